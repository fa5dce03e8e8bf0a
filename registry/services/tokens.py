import hashlib
import hmac
import re
import secrets
import string
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from registry.errors import Conflict, InvalidCredentials, InvalidName, NotFound
from registry.models import (
    AccessToken,
    Namespace,
    Organization,
    Repo,
    TokenGrant,
    User,
    live_tokens,
    memberships_of,
)
from registry.services.listings import listing_changed
from registry.signals import audit_send

TOKEN_PREFIX = "hf_"
_ALPHABET = string.ascii_letters
_IMPORTED_RE = re.compile(r"^hf_[A-Za-z0-9_-]{8,200}$")
# Writing last_used_at on every request would turn each read into a write.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def token_create(
    *,
    user: User,
    name: str,
    role: str,
    value: str | None = None,
    expires_at: datetime | None = None,
    scoped: list[dict] | None = None,
) -> tuple[AccessToken, str]:
    """Creates a token and returns it with its value, which is never retrievable again.

    `scoped` (the whoami shape: `[{"entity": {"type", "name"}, "permissions": [...]}]`) makes
    it fine-grained: it reaches those repos and namespaces only, with those permissions."""
    if role not in AccessToken.TokenRole.values:
        raise InvalidName(f"Token role must be 'read', 'write' or 'fineGrained'; got '{role}'")
    if (role == AccessToken.TokenRole.FINE_GRAINED) != bool(scoped):
        raise InvalidName("A fine-grained token needs at least one scoped entry, and only it")
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidName("A token's expiry date must be in the future")
    grants = _grants_resolve(user=user, scoped=scoped or [])
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidName("A token name of 1 to 100 characters is required")
    if value is None:
        value = TOKEN_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(34))
    elif not _IMPORTED_RE.fullmatch(value):
        raise InvalidName(
            "An imported token must start with 'hf_' followed by 8-200 of [A-Za-z0-9_-]"
        )
    try:
        with transaction.atomic():
            token = AccessToken.objects.create(
                user=user, name=name, role=role, key_hash=_hash(value), last_four=value[-4:],
                expires_at=expires_at,
            )  # fmt: skip
            for grant in grants:
                grant.token = token
            TokenGrant.objects.bulk_create(grants)
    except IntegrityError:
        raise Conflict("This token value is already in use") from None
    # The token acted on is named in the detail; `token=` is the one an actor came with.
    audit_send(action="token.create", user=user, tokenId=str(token.public_id), name=name, role=role)
    return token, value


_REPO_ENTITY_TYPES = {"model": Repo.Type.MODEL, "dataset": Repo.Type.DATASET,
                      "space": Repo.Type.SPACE}  # fmt: skip


def _grant_target(*, user: User, entity: dict) -> dict:
    """The repo or namespace a scoped entry names, if `user` could reach it themselves."""
    kind, name = entity.get("type"), str(entity.get("name", ""))
    if kind in _REPO_ENTITY_TYPES:
        namespace, _, repo_name = name.partition("/")
        repo = (
            Repo.objects.visible_to(user)
            .filter(
                type=_REPO_ENTITY_TYPES[kind],
                namespace__name__iexact=namespace,
                name__iexact=repo_name,
            )  # fmt: skip
            .first()
        )
        if repo is None:
            raise NotFound(f"No {kind} {name[:100]} that you can see")
        return {"repo": repo}
    if kind in ("user", "org"):
        reachable = memberships_of(user).values("org__namespace_id")
        namespace = Namespace.objects.filter(kind=kind, name__iexact=name).first()
        if namespace is None or not (
            namespace.pk == user.namespace_id or reachable.filter(org__namespace=namespace)
        ):
            raise NotFound(f"No {kind} {name[:100]} of yours")
        return {"namespace": namespace}
    raise InvalidName("A scoped entity's type is one of model, dataset, space, user, org")


def _grants_resolve(*, user: User, scoped: list[dict]) -> list[TokenGrant]:
    grants = {}
    for entry in scoped:
        if not isinstance(entry, dict) or not isinstance(entry.get("entity"), dict):
            raise InvalidName("Each scoped entry is {entity: {type, name}, permissions: [...]}")
        target = _grant_target(user=user, entity=entry["entity"])
        permissions = entry.get("permissions") or []
        if not isinstance(permissions, list) or not permissions:
            raise InvalidName("Each scoped entry needs a list of permissions")
        for permission in permissions:
            if permission not in TokenGrant.Permission.values:
                allowed = ", ".join(TokenGrant.Permission.values)
                raise InvalidName(f"Unknown permission '{str(permission)[:40]}'; use {allowed}")
            kind, obj = next(iter(target.items()))
            key = (kind, obj.pk, permission)
            grants[key] = TokenGrant(permission=permission, **target)
    return list(grants.values())


def token_authenticate(*, value: str) -> AccessToken:
    """The live token with this value, its last use recorded; InvalidCredentials otherwise."""
    digest = _hash(value.strip())
    token = AccessToken.objects.select_related("user").filter(key_hash=digest).first()
    # The lookup is by hash; the constant-time comparison guards against a database
    # collation or index that would match more loosely than byte equality.
    if token is None or not hmac.compare_digest(token.key_hash, digest):
        raise InvalidCredentials()
    now = timezone.now()
    # What live_tokens() asks of a row, checked on the one row found.
    if token.revoked_at is not None or not token.user.is_active:
        raise InvalidCredentials()
    if token.expires_at is not None and token.expires_at <= now:
        raise InvalidCredentials()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_revoke(*, user: User, public_id: str) -> None:
    token = AccessToken.objects.filter(user=user, public_id=public_id, revoked_at__isnull=True)
    _revoke(token, by=user)


def _revoke(tokens: QuerySet[AccessToken], *, by: User | None) -> int:
    """Revokes `tokens` (a queryset) and tells the listeners which ones, once committed."""
    revoked = list(tokens.filter(revoked_at__isnull=True))
    AccessToken.objects.filter(pk__in=[t.pk for t in revoked]).update(revoked_at=timezone.now())
    for token in revoked:
        audit_send(action="token.revoke", user=by, tokenId=str(token.public_id), name=token.name)
    return len(revoked)


def tokens_revoke_all(*, user: User, by: User | None) -> int:
    """Revokes every token of `user` (one leaving, or disabled at the identity provider)."""
    return _revoke(AccessToken.objects.filter(user=user), by=by)


def org_tokens_reaching(*, org: Organization) -> list[AccessToken]:
    """The live tokens that can reach `org`: its members' read and write tokens, and
    fine-grained tokens granted on it or one of its repos, less those its maximum lifetime
    shuts out."""
    grants = TokenGrant.objects.filter(
        Q(namespace=org.namespace) | Q(repo__namespace=org.namespace)
    ).values("token_id")
    tokens = (
        live_tokens()
        .filter(user__memberships__org=org)
        .filter(~Q(role=AccessToken.TokenRole.FINE_GRAINED) | Q(pk__in=grants))
        .select_related("user")
        .order_by("-created_at")
    )
    limit = org.token_max_days
    return [t for t in tokens if limit is None or (t.lifetime_days or limit + 1) <= limit]


def org_token_revoke(*, org: Organization, public_id: str, by: User) -> None:
    """Revokes a token that can reach `org`, as its admin; NotFound for any other token."""
    token = next((t for t in org_tokens_reaching(org=org) if str(t.public_id) == public_id), None)
    if token is None:
        raise NotFound("No live token that can reach this organization has this id")
    _revoke(AccessToken.objects.filter(pk=token.pk), by=by)


def org_token_policy_set(*, org: Organization, max_days: int | None) -> None:
    """Sets the longest lifetime, in days, a token may have and still reach `org`."""
    if max_days is not None and not 1 <= max_days <= 3650:
        raise InvalidName("An organization's token lifetime is 1 to 3650 days, or unlimited")
    Organization.objects.filter(pk=org.pk).update(token_max_days=max_days)
    listing_changed()  # which tokens reach the org's private repos changed
