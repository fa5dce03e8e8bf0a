from django.db import IntegrityError, transaction

from registry.errors import BadRequest, Conflict, InvalidName, NotFound
from registry.models import Membership, Namespace, Organization, Role, User
from registry.names import validate_namespace
from registry.services.tokens import token_create
from registry.signals import audit_send


def _namespace_create(*, name: str, kind: str) -> Namespace:
    validate_namespace(name)
    try:
        with transaction.atomic():
            return Namespace.objects.create(name=name, kind=kind)
    except IntegrityError:
        raise Conflict(f"The name '{name}' is already taken") from None


@transaction.atomic
def user_create(
    *,
    name: str,
    password: str | None = None,
    email: str = "",
    fullname: str = "",
    is_admin: bool = False,
) -> User:
    """Creates a user whose name is unique among users and organizations, case-insensitively."""
    namespace = _namespace_create(name=name, kind=Namespace.Kind.USER)
    user = User(
        username=name,
        email=email,
        fullname=fullname,
        namespace=namespace,
        is_staff=is_admin,
        is_superuser=is_admin,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def org_create(
    *,
    name: str,
    fullname: str = "",
    creator: User | None = None,
    repos_private_by_default: bool = False,
    scans_required: bool = False,
) -> Organization:
    """Creates an organization; its creator, if any, becomes an admin member."""
    namespace = _namespace_create(name=name, kind=Namespace.Kind.ORG)
    org = Organization.objects.create(
        namespace=namespace,
        fullname=fullname,
        repos_private_by_default=repos_private_by_default,
        scans_required=scans_required,
    )
    if creator is not None:
        Membership.objects.create(org=org, user=creator, role=Role.ADMIN)
    return org


def membership_set(*, org: Organization, user: User, role: str) -> Membership:
    """Adds `user` to `org` with `role`, or changes the role of an existing member."""
    if role not in Role.values:
        raise InvalidName(f"Role must be one of {', '.join(Role.values)}; got '{role}'")
    membership, _ = Membership.objects.update_or_create(org=org, user=user, defaults={"role": role})
    audit_send(action="member.set", namespace=org.namespace, member=user.username, role=role)
    return membership


def user_get(*, name: str) -> User:
    try:
        return User.objects.get(username__iexact=name)
    except User.DoesNotExist:
        raise NotFound(f"User '{name}' not found") from None


def admin_bootstrap() -> tuple[str, str] | None:
    """On a hub with no users, creates `admin` with a random password and a write token.

    Returns (password, token) the one time it creates them, else None.
    """
    import secrets

    with transaction.atomic():
        if User.objects.exists():
            return None
        password = secrets.token_urlsafe(12)
        admin = user_create(name="admin", password=password, is_admin=True)
        _, token = token_create(user=admin, name="bootstrap", role="write")
    return password, token


def member_remove(*, org: Organization, username: str) -> None:
    """Removes a member; the last admin stays, so an org is never left unmanageable."""
    with transaction.atomic():
        memberships = Membership.objects.select_for_update().filter(org=org)
        target = memberships.filter(user__username__iexact=username).first()
        if target is None:
            raise NotFound(f"'{username}' is not a member of {org.name}")
        admins = [m for m in memberships if m.role == Role.ADMIN]
        if target.role == Role.ADMIN and len(admins) == 1:
            raise BadRequest("An organization keeps at least one admin")
        target.delete()
        audit_send(action="member.remove", namespace=org.namespace, member=target.user.username)


def org_scans_require(*, org: Organization, required: bool) -> None:
    """Whether the org's branches move only to commits whose files passed the scanner."""
    Organization.objects.filter(pk=org.pk).update(scans_required=required)


def org_visibility_set(*, org: Organization, repos_private_by_default: bool) -> None:
    """Whether the org's new repos start private when their creator does not say."""
    Organization.objects.filter(pk=org.pk).update(repos_private_by_default=repos_private_by_default)
    audit_send(
        action="org.settings",
        namespace=org.namespace,
        repos_private_by_default=repos_private_by_default,
    )


def user_password_change(*, user: User, password: str) -> None:
    """Sets a new password (already checked by the caller against the validators); every
    other session of the user ends, since Django ties sessions to the password hash."""
    user.set_password(password)
    user.save(update_fields=["password"])
