"""Reads. Every view, page and task asks here; visibility rules live in one place."""

from registry import errors
from registry.models import AccessToken, Membership, Repo, Role, User

REPO_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}


def user_orgs(*, user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user)
        .select_related("org__namespace")
        .order_by("org__namespace__name")
    )


def repo_get_visible(*, user: User, repo_type: str, namespace: str, name: str) -> Repo:
    """The repo if `user` may see it; RepoNotFound (401 when anonymous) otherwise."""
    repo = (
        Repo.objects.visible_to(user)
        .select_related("namespace")
        .filter(type=repo_type, namespace__name__iexact=namespace, name__iexact=name)
        .first()
    )
    if repo is None:
        raise errors.RepoNotFound(
            f"Repository not found: {namespace}/{name}",
            anonymous=not user.is_authenticated,
        )
    return repo


def namespace_role(*, user: User, namespace) -> str | None:
    """`user`'s role in a namespace: admin of their own, their org role, else None."""
    if not user.is_authenticated:
        return None
    if user.is_superuser or namespace.id == user.namespace_id:
        return Role.ADMIN
    membership = Membership.objects.filter(user=user, org__namespace=namespace).first()
    return membership.role if membership else None


def require_write(*, user: User, token: AccessToken | None, namespace) -> None:
    """Raises unless `user` (through `token`, if one was used) may write in `namespace`."""
    if not user.is_authenticated:
        raise errors.AuthenticationRequired()
    if token is not None and not token.can_write:
        raise errors.Forbidden("This token has the read role; a write token is required")
    if namespace_role(user=user, namespace=namespace) not in {Role.WRITE, Role.ADMIN}:
        raise errors.Forbidden(f"You don't have write access to '{namespace.name}'")


def card_at(*, git, sha: str) -> dict:
    """The README's front matter at `sha`, or {} when there is none or it does not parse."""
    from registry.cards import parse_card_data

    readme = git.entry(sha, "README.md")
    if readme is None or readme.type != "file" or readme.lfs is not None:
        return {}
    try:
        return parse_card_data(git.read_blob(readme.oid).decode("utf-8", "replace"))
    except errors.BadRequest:
        return {}
