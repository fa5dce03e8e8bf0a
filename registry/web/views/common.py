"""What every page shares: the caller, the repo named in the route, paging, the repo header."""

from dataclasses import dataclass
from urllib.parse import quote

from django.http import HttpRequest

from registry import errors
from registry.gitstore import GitRepo
from registry.models import AccessToken, Repo, User
from registry.permissions import Actor
from registry.selectors import repo_get_visible
from registry.web import queries

PREFIX_TYPES = {None: "model", "": "model", "datasets": "dataset", "spaces": "space"}


def caller(request: HttpRequest) -> tuple[User, AccessToken | None]:
    return request.user, getattr(request, "hub_token", None)


def actor(request: HttpRequest) -> Actor:
    return Actor(*caller(request))


def page_number(request: HttpRequest) -> int:
    """The zero-based `p` query parameter; anything unreadable is the first page."""
    raw = request.GET.get("p", "0")
    return max(int(raw), 0) if raw.isdigit() else 0


def route_repo(request: HttpRequest, prefix: str | None, namespace: str, name: str) -> Repo:
    """The repo a page route names, if the caller may see it (else RepoNotFound: a 404)."""
    return repo_get_visible(
        user=request.user, repo_type=PREFIX_TYPES[prefix], namespace=namespace, name=name
    )


def repo_base(repo: Repo) -> str:
    return f"/{repo.url_prefix}{repo.repo_id}"


def rev_url(repo: Repo, kind: str, rev: str, path: str = "") -> str:
    """`/{repo}/{kind}/{rev}/{path}` with the revision quoted whole (refs/pr/1 -> refs%2Fpr%2F1)."""
    url = f"{repo_base(repo)}/{kind}/{quote(rev, safe='')}"
    return f"{url}/{quote(path)}" if path else url


@dataclass(frozen=True)
class RepoHeader:
    """The repo page's header and tabs."""

    repo: Repo
    base: str
    tab: str
    can_write: bool
    liked: bool
    rev: str

    @property
    def type_label(self) -> str:
        return self.repo.get_type_display().title()


def repo_header(request: HttpRequest, repo: Repo, *, tab: str, rev: str = "main") -> RepoHeader:
    return RepoHeader(
        repo=repo,
        base=repo_base(repo),
        tab=tab,
        can_write=queries.can_write(actor=actor(request), repo=repo),
        liked=queries.has_liked(user=request.user, repo=repo),
        rev=rev,
    )


def open_git(repo: Repo) -> GitRepo:
    return GitRepo(repo.storage_id)


def require_signed_in(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise errors.AuthenticationRequired()
