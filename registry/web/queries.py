"""Reads the pages need beyond registry/selectors.py. Every repo query starts from
`Repo.objects.visible_to`, and every listing is a bounded slice ordered on indexed columns."""

import itertools
from dataclasses import dataclass

from registry import errors
from registry.cards import CARD_MAX_BYTES
from registry.gitstore import CommitInfo, Entry, GitRepo
from registry.models import (
    AccessToken,
    Discussion,
    Like,
    Membership,
    Namespace,
    Repo,
    Role,
    User,
)
from registry.permissions import Action, Actor, allows

LISTING_PAGE = 30
COMMITS_PAGE = 30
TREE_MAX_ENTRIES = 1000
# How far back the file tree looks for each entry's last commit; older entries show none.
LAST_COMMIT_WALK = 300


@dataclass(frozen=True)
class Page:
    rows: list
    number: int
    has_next: bool


def page_of(queryset, *, number: int, size: int) -> Page:
    """One page of a queryset: a LIMIT size+1 query, never a COUNT over the table."""
    start = number * size
    rows = list(queryset[start : start + size + 1])
    return Page(rows[:size], number, len(rows) > size)


def trending(*, user: User, repo_type: str, limit: int = 6) -> list[Repo]:
    return list(
        Repo.objects.visible_to(user)
        .filter(type=repo_type)
        .select_related("namespace")
        .order_by("-trending_score", "-id")[:limit]
    )


def namespace_get(*, name: str) -> Namespace:
    namespace = Namespace.objects.filter(name__iexact=name).select_related("user", "org").first()
    if namespace is None:
        raise errors.NotFound(f"'{name}' is neither a user nor an organization")
    return namespace


def namespace_repos(*, viewer: User, namespace: Namespace, number: int) -> Page:
    queryset = (
        Repo.objects.visible_to(viewer)
        .filter(namespace=namespace)
        .select_related("namespace")
        .order_by("-last_modified", "-id")
    )
    return page_of(queryset, number=number, size=LISTING_PAGE)


def org_members(*, namespace: Namespace) -> list[Membership]:
    return list(
        Membership.objects.filter(org__namespace=namespace)
        .select_related("user")
        .order_by("user__username")
    )


def writable_namespaces(*, user: User) -> list[str]:
    """Where `user` may create repos: their own namespace and orgs they write to."""
    orgs = (
        Membership.objects.filter(user=user, role__in=[Role.WRITE, Role.ADMIN])
        .select_related("org__namespace")
        .order_by("org__namespace__name")
    )
    return [user.username, *(m.org.name for m in orgs)]


def can_write(*, actor: Actor, repo: Repo) -> bool:
    return allows(actor, Action.WRITE, repo=repo)


def has_liked(*, user: User, repo: Repo) -> bool:
    return user.is_authenticated and Like.objects.filter(user=user, repo=repo).exists()


def live_tokens(*, user: User) -> list[AccessToken]:
    return list(
        AccessToken.objects.filter(user=user, revoked_at__isnull=True)
        .prefetch_related("grants__repo__namespace", "grants__namespace")
        .order_by("-created_at")
    )


def discussions_page(*, repo: Repo, number: int) -> Page:
    queryset = Discussion.objects.filter(repo=repo).select_related("author").order_by("-num")
    return page_of(queryset, number=number, size=LISTING_PAGE)


def discussion_get(*, repo: Repo, num: int) -> Discussion:
    discussion = Discussion.objects.filter(repo=repo, num=num).select_related("author").first()
    if discussion is None:
        raise errors.NotFound(f"Discussion #{num} not found")
    return discussion


# -- git --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeRow:
    entry: Entry
    name: str
    last_commit: CommitInfo | None


def tree_rows(*, git: GitRepo, sha: str, path: str) -> tuple[list[TreeRow], bool]:
    """The folder's entries (folders first), each with the last commit that changed it.

    Returns (rows, truncated); a folder with more than TREE_MAX_ENTRIES shows the first ones.
    """
    entries = git.list_tree(sha, path)
    entries.sort(key=lambda e: (e.type != "directory", e.path.lower()))
    shown = entries[:TREE_MAX_ENTRIES]
    last = git.last_commits(sha, [e.path for e in shown], max_commits=LAST_COMMIT_WALK)
    rows = [TreeRow(e, e.path.rsplit("/", 1)[-1], last.get(e.path)) for e in shown]
    return rows, len(entries) > TREE_MAX_ENTRIES


def commits_page(*, git: GitRepo, sha: str, number: int) -> Page:
    start = number * COMMITS_PAGE
    walked = itertools.islice(git.walk_commits(sha), start, start + COMMITS_PAGE + 1)
    infos = [git.commit_info(str(commit.id)) for commit in walked]
    return Page(infos[:COMMITS_PAGE], number, len(infos) > COMMITS_PAGE)


def revisions(*, git: GitRepo) -> dict[str, list[str]]:
    """Branch and tag names for the revision switcher, main first."""
    branches = sorted(r.removeprefix("refs/heads/") for r in git.refs("refs/heads/"))
    branches.sort(key=lambda name: name != "main")
    tags = sorted(r.removeprefix("refs/tags/") for r in git.refs("refs/tags/"))
    return {"branches": branches, "tags": tags}


def readme_text(*, git: GitRepo, sha: str) -> str | None:
    entry = git.entry(sha, "README.md")
    if entry is None or entry.type != "file" or entry.lfs is not None:
        return None
    return git.read_text(entry.oid, limit=CARD_MAX_BYTES)
