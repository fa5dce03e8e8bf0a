"""Who may do what: the one rule every interface asks, with the token's role applied.

An actor is a user and the token they came with (None for a browser session or an
anonymous caller). A read token never writes, whatever its user may do; no token manages
credentials or memberships: those need a signed-in browser session (which CSRF protects).
A fine-grained token reaches only what its grants name, and a token whose lifetime exceeds an
organization's maximum does not reach that organization (`memberships_of`).
Visibility itself is `Repo.objects.visible_to`, the one queryset rule this module builds on;
`files_readable` narrows it to the repos whose files one may read (gated repos).
"""

from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db.models import Q, QuerySet

from registry import errors
from registry.models import (
    AccessRequest,
    AccessToken,
    Namespace,
    Repo,
    Role,
    TokenGrant,
    User,
    memberships_of,
)


class Action(StrEnum):
    READ = "read"  # see a repo: its metadata, listings, card and history
    # Read its files' bytes: READ, and for a gated repo a role in its namespace or an
    # accepted access request.
    DOWNLOAD = "download"
    CONTRIBUTE = "contribute"  # open discussions and pull requests, comment, like
    WRITE = "write"  # commit, branches, tags, settings, create, move, delete repos
    # One's tokens, org creation, password; with a namespace: that organization's members.
    MANAGE_ACCOUNT = "manage_account"
    # Read a namespace's audit log: its admins, with a session or a token of either role
    # (an auditor's script exports with a read token).
    AUDIT = "audit"


@dataclass(frozen=True)
class Actor:
    user: User
    token: AccessToken | None = None

    @property
    def signed_in(self) -> bool:
        return bool(self.user.is_authenticated)

    @property
    def writes(self) -> bool:
        """Whether the credential allows writing at all (a session, or a write token)."""
        return self.token is None or self.token.can_write


def namespace_role(*, user: User, namespace: Namespace) -> str | None:
    """`user`'s role in a namespace: admin of their own, their org role, else None."""
    if not user.is_authenticated:
        return None
    if user.is_superuser or namespace.id == user.namespace_id:
        return Role.ADMIN
    membership = memberships_of(user).filter(org__namespace=namespace).first()
    return membership.role if membership else None


def _bearer(actor: Actor) -> User:
    """The actor's user, carrying their token for the rules that narrow by it."""
    return actor.token.bearer if actor.token is not None else actor.user


def _writer(actor: Actor, namespace: Namespace) -> bool:
    return namespace_role(user=_bearer(actor), namespace=namespace) in {Role.WRITE, Role.ADMIN}


def _account_denial(actor: Actor, namespace: Namespace | None) -> errors.HubError | None:
    """One's own account with no `namespace`; an organization's members as its admin."""
    if actor.token is not None:
        return errors.Forbidden(
            "Tokens cannot manage accounts, tokens or memberships: sign in with a browser"
        )
    if not actor.signed_in:
        return errors.AuthenticationRequired()
    if namespace is not None and namespace_role(user=actor.user, namespace=namespace) != Role.ADMIN:
        return errors.Forbidden(f"Only admins of {namespace.name} manage its members")
    return None


def _audit_denial(actor: Actor, namespace: Namespace | None) -> errors.HubError | None:
    if not actor.signed_in:
        return errors.AuthenticationRequired()
    if namespace is None or namespace_role(user=actor.user, namespace=namespace) != Role.ADMIN:
        name = namespace.name if namespace is not None else "this namespace"
        return errors.Forbidden(f"Only admins of {name} read its audit log")
    return None


def files_readable(user: User) -> QuerySet[Repo]:
    """The repos whose files `user` may read: visible, and not gated unless they belong to
    its namespace (any role) or were granted to them. Object reuse across repos (LFS
    pointers, Xet deduplication) is bounded by this too, or a hash would open a gated file."""
    visible = Repo.objects.visible_to(user)
    if not getattr(user, "is_authenticated", False):
        return visible.filter(gated="")
    if user.is_superuser:
        return visible
    member_of = memberships_of(user).values("org__namespace_id")
    granted = AccessRequest.objects.filter(user=user, status=AccessRequest.Status.ACCEPTED)
    return visible.filter(
        Q(gated="")
        | Q(namespace_id=user.namespace_id)
        | Q(namespace_id__in=member_of)
        | Q(pk__in=granted.values("repo_id"))
    )


def _gated_denial(actor: Actor, repo: Repo) -> errors.HubError | None:
    if not repo.gated or files_readable(_bearer(actor)).filter(pk=repo.pk).exists():
        return None
    kind = repo.get_type_display().lower()
    if not actor.signed_in:
        # The Hub's words: the client shows them, and scripts match "restricted".
        return errors.GatedRepo(
            f"Access to {kind} {repo.repo_id} is restricted. You must have access to it "
            "and be authenticated to access it. Please log in.",
            anonymous=True,
        )
    page = f"{settings.HUB_PUBLIC_URL or ''}/{repo.url_prefix}{repo.repo_id}"
    return errors.GatedRepo(
        f"Access to {kind} {repo.repo_id} is restricted and you are not in the authorized "
        f"list. Visit {page} to ask for access."
    )


# What a fine-grained token needs for each action on a private or gated repo (reads) or on
# any repo (writes); seeing a repo's metadata needs a grant of any kind (`visible_to`).
_GRANTS_NEEDED = {
    Action.DOWNLOAD: {TokenGrant.Permission.CONTENT_READ, TokenGrant.Permission.WRITE},
    Action.CONTRIBUTE: {TokenGrant.Permission.DISCUSSION_WRITE, TokenGrant.Permission.WRITE},
    Action.WRITE: {TokenGrant.Permission.WRITE},
}


def _token_grants(token: AccessToken, action: Action, *, repo: Repo | None,
                 namespace: Namespace | None) -> bool:  # fmt: skip
    """Whether a fine-grained token holds a grant for `action` on `repo` or `namespace`."""
    grants = TokenGrant.objects.filter(token=token, permission__in=_GRANTS_NEEDED[action])
    if repo is not None:
        return grants.filter(Q(repo=repo) | Q(namespace_id=repo.namespace_id)).exists()
    return grants.filter(namespace=namespace).exists()


def _scope_denial(
    actor: Actor, action: Action, repo: Repo | None, namespace: Namespace | None
) -> errors.HubError | None:
    token = actor.token
    if token is None or not token.fine_grained or action not in _GRANTS_NEEDED:
        return None
    if repo is None and namespace is None:
        return None  # the route names its target later and asks again
    if action == Action.DOWNLOAD and repo is not None and not (repo.private or repo.gated):
        return None
    if _token_grants(token, action, repo=repo, namespace=namespace):
        return None
    target = repo.repo_id if repo is not None else namespace.name
    needed = " or ".join(sorted(_GRANTS_NEEDED[action]))
    return errors.Forbidden(f"This fine-grained token has no {needed} permission on {target}")


def denial(
    actor: Actor, action: Action, *, repo: Repo | None = None, namespace: Namespace | None = None
) -> errors.HubError | None:
    """Why `actor` may not do `action` (on `repo`, or in `namespace`), or None if they may."""
    if action == Action.MANAGE_ACCOUNT:
        return _account_denial(actor, namespace)
    if action == Action.AUDIT:
        return _audit_denial(actor, namespace)
    if repo is not None and not Repo.objects.visible_to(_bearer(actor)).filter(pk=repo.pk).exists():
        return errors.RepoNotFound("Repository not found", anonymous=not actor.signed_in)
    if action == Action.READ:
        return None
    if action == Action.DOWNLOAD:
        refused = _gated_denial(actor, repo) if repo is not None else None
        return refused or _scope_denial(actor, action, repo, namespace)
    if not actor.signed_in:
        return errors.AuthenticationRequired()
    if not actor.writes:
        return errors.Forbidden("This token has the read role; a write token is required")
    if action == Action.CONTRIBUTE:
        return _scope_denial(actor, action, repo, namespace)
    target = repo.namespace if repo is not None else namespace
    if target is None or not _writer(actor, target):
        name = target.name if target is not None else "this namespace"
        return errors.Forbidden(f"You don't have write access to '{name}'")
    return _scope_denial(actor, action, repo, namespace)


def allows(
    actor: Actor, action: Action, *, repo: Repo | None = None, namespace: Namespace | None = None
) -> bool:
    return denial(actor, action, repo=repo, namespace=namespace) is None


def require(
    actor: Actor, action: Action, *, repo: Repo | None = None, namespace: Namespace | None = None
) -> None:
    """Raises the domain error that tells `actor` why they may not do `action`."""
    refused = denial(actor, action, repo=repo, namespace=namespace)
    if refused is not None:
        raise refused
