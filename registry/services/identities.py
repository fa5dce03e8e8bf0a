"""Accounts from an OpenID Connect provider: who a verified subject is here, which org
memberships their groups give them, and switching a user off everywhere."""

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from registry import errors
from registry.models import Membership, Namespace, OidcIdentity, Organization, User
from registry.services.accounts import user_create
from registry.services.tokens import tokens_revoke_all

_NAME_CHARS_RE = re.compile(r"[^A-Za-z0-9-]+")
_ROLE_RANK = {"read": 0, "write": 1, "admin": 2}


def identity_sign_in(*, issuer: str, claims: dict) -> User:
    """The account of the subject in `claims` (verified by the caller), created or linked on
    the first sign-in, its managed org memberships brought in line with its groups.

    A new subject is linked to an existing account only through an email the provider says
    it verified; otherwise it gets an account of its own."""
    subject = str(claims.get("sub") or "")
    if not subject or len(subject) > 255:
        raise errors.Forbidden("The identity provider sent no subject (`sub`) for this user")
    with transaction.atomic():
        identity = (
            OidcIdentity.objects.select_related("user")
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        if identity is None:
            identity = _identity_create(issuer=issuer, subject=subject, claims=claims)
        user = identity.user
        if not user.is_active:
            raise errors.Forbidden("This account is disabled on this hub")
        OidcIdentity.objects.filter(pk=identity.pk).update(last_sign_in_at=timezone.now())
        memberships_sync(user=user, groups=_groups(claims))
    return user


def _identity_create(*, issuer: str, subject: str, claims: dict) -> OidcIdentity:
    email = str(claims.get("email") or "")
    user = None
    if email and claims.get("email_verified") is True:
        matches = list(User.objects.filter(email__iexact=email)[:2])
        user = matches[0] if len(matches) == 1 else None
    if user is None:
        user = _user_for(claims, email=email if claims.get("email_verified") is True else "")
    try:
        with transaction.atomic():
            return OidcIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    except IntegrityError:  # the same subject's first sign-in, in two tabs at once
        return OidcIdentity.objects.select_related("user").get(issuer=issuer, subject=subject)


def _user_for(claims: dict, *, email: str) -> User:
    """A new account named after the provider's username (or the email's local part), with a
    number added until the name is free."""
    wanted = str(claims.get("preferred_username") or email.partition("@")[0] or "user")
    base = _NAME_CHARS_RE.sub("-", wanted).strip("-")[:36] or "user"
    fullname = str(claims.get("name") or "")[:150]
    for number in range(1, 1000):
        name = base if number == 1 else f"{base}-{number}"
        if Namespace.objects.filter(name__iexact=name).exists():
            continue
        try:
            with transaction.atomic():
                return user_create(name=name, email=email, fullname=fullname)
        except errors.HubError:
            continue  # taken in the meantime, or not a valid name: try the next one
    raise errors.Conflict(f"No free account name for '{base}'")


def _groups(claims: dict) -> set[str]:
    groups = claims.get(settings.HUB_OIDC_GROUPS_CLAIM) or []
    if isinstance(groups, str):
        groups = [groups]
    return {str(group) for group in groups if isinstance(group, str | int)}


def memberships_sync(*, user: User, groups: set[str]) -> None:
    """Gives `user` the role their groups map to in each org HUB_OIDC_GROUP_MAP names, and
    removes the memberships the mapping gave them that their groups no longer carry. Orgs
    the mapping does not name are never touched, whatever the groups claim says."""
    wanted: dict[str, str] = {}
    for group, (org_name, role) in settings.HUB_OIDC_GROUP_MAP.items():
        if group in groups and _ROLE_RANK[role] >= _ROLE_RANK.get(wanted.get(org_name), -1):
            wanted[org_name] = role
    managed = {org for org, _ in settings.HUB_OIDC_GROUP_MAP.values()}
    orgs = {
        org.name.lower(): org
        for org in Organization.objects.select_related("namespace").filter(
            namespace__name__in=managed
        )
    }
    for org_name in managed:
        org = orgs.get(org_name.lower())
        if org is None:
            continue  # named by the mapping but not created here yet
        if org_name in wanted:
            Membership.objects.update_or_create(
                org=org, user=user,
                defaults={"role": wanted[org_name], "from_identity_provider": True},
            )  # fmt: skip
        else:
            Membership.objects.filter(org=org, user=user, from_identity_provider=True).delete()


def user_access_revoke(*, user: User, by: User | None) -> int:
    """Switches `user` off everywhere: every token revoked, every browser session ended at
    its next request. Returns how many tokens were revoked."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
        return tokens_revoke_all(user=user, by=by)
