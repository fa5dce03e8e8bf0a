"""What every page shares besides `registry.request`: paging, links, the repo header."""

from dataclasses import dataclass
from urllib.parse import quote

from django.http import HttpRequest

from registry import errors
from registry.models import Repo
from registry.request import actor
from registry.web import queries


def page_number(request: HttpRequest) -> int:
    """The zero-based `p` query parameter; anything unreadable is the first page."""
    raw = request.GET.get("p", "0")
    return max(int(raw), 0) if raw.isdigit() else 0


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
    open_discussions: int

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
        open_discussions=queries.open_discussions(repo=repo),
    )


def require_signed_in(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise errors.AuthenticationRequired()
