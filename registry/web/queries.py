"""Reads the pages need beyond registry/selectors.py. Every repo query starts from
`Repo.objects.visible_to`, and every listing is a bounded slice ordered on indexed columns."""

import hashlib
import itertools
from dataclasses import dataclass

from django.core.cache import cache

from registry import errors
from registry.cards import CARD_MAX_BYTES
from registry.gitstore import CommitInfo, Entry, GitRepo
from registry.models import (
    AccessToken,
    Discussion,
    FileScan,
    Like,
    Membership,
    Namespace,
    Repo,
    Role,
    User,
)
from registry.permissions import Action, Actor, allows
from registry.repofiles import RepoFile, repo_files_at
from registry.safetensors import SafetensorsError, read_header
from registry.services.objects import xet_hashes
from registry.services.scans import verdicts_of

LISTING_PAGE = 30
COMMITS_PAGE = 30
TREE_MAX_ENTRIES = 1000
# Spaces whose card names a model, shown on its page (the Hub shows a short list too).
SPACES_SHOWN = 12
# How far back the file tree looks for each entry's last commit; older entries show none.
LAST_COMMIT_WALK = 300
# What is derived from one commit never changes; a day bounds what the cache keeps of it.
CACHE_SECONDS = 24 * 3600


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


def open_discussions(*, repo: Repo) -> int:
    """Open discussions and pull requests: the count on the Community tab."""
    return Discussion.objects.filter(repo=repo, status=Discussion.Status.OPEN).count()


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
    xet: bool = False  # an LFS file the Xet store holds (Xet clients download it by chunks)
    # A scanner's verdict on the file, for the badge slot of the listing (None: no verdict).
    scan: dict | None = None


def tree_rows(*, repo: Repo, git: GitRepo, sha: str, path: str) -> tuple[list[TreeRow], bool]:
    """The folder's entries (folders first), each with the last commit that changed it.

    Returns (rows, truncated); a folder with more than TREE_MAX_ENTRIES shows the first ones.
    The last commits cost one bounded history walk per folder and commit, then come from the
    cache: a commit's history never changes.
    """
    entries = git.list_tree(sha, path)
    entries.sort(key=lambda e: (e.type != "directory", e.path.lower()))
    shown = entries[:TREE_MAX_ENTRIES]
    last = _last_commits(repo, git, sha, path, [e.path for e in shown])
    lfs = [(e.lfs.oid, e.lfs.size) for e in shown if e.lfs is not None]
    xet = xet_hashes(repo=repo, objects=lfs) if lfs else {}
    verdicts = verdicts_of(entries=shown)
    rows = [
        TreeRow(
            e,
            e.path.rsplit("/", 1)[-1],
            last.get(e.path),
            e.lfs is not None and e.lfs.oid in xet,
            _scan_badge(verdicts.get(e.path)),
        )
        for e in shown
    ]
    return rows, len(entries) > TREE_MAX_ENTRIES


def _scan_badge(verdict: FileScan | None) -> dict | None:
    """A badge for files whose scan found something (as the Hub flags only those); a safe
    or not yet scanned file shows none: the file page says which."""
    if verdict is None or verdict.status == "safe":
        return None
    found = ", ".join(f"{i['module']}.{i['name']}" for i in verdict.imports[:5])
    title = f"{verdict.level or verdict.status}: {found}" if found else verdict.error or ""
    return {"status": verdict.status, "title": title}


def _last_commits(repo: Repo, git: GitRepo, sha: str, path: str, paths: list[str]) -> dict:
    key = f"web:last-commits:{repo.storage_id}:{sha}:{hashlib.sha256(path.encode()).hexdigest()}"
    last = cache.get(key)
    if last is None:
        last = git.last_commits(sha, paths, max_commits=LAST_COMMIT_WALK)
        cache.set(key, last, timeout=CACHE_SECONDS)
    return last


def revision_size(*, repo: Repo, git: GitRepo, sha: str) -> int:
    """Bytes of every file at `sha` (LFS files at their objects' size), cached per commit."""
    key = f"web:size:{repo.storage_id}:{sha}"
    size = cache.get(key)
    if size is None:
        size = sum(e.size for e in git.list_tree(sha, recursive=True) if e.type == "file")
        cache.set(key, size, timeout=CACHE_SECONDS)
    return size


def commit_count(*, repo: Repo, git: GitRepo, sha: str) -> int:
    """Commits reachable from `sha`, cached per commit (one walk the first time)."""
    key = f"web:commit-count:{repo.storage_id}:{sha}"
    count = cache.get(key)
    if count is None:
        count = sum(1 for _ in git.walk_commits(sha))
        cache.set(key, count, timeout=CACHE_SECONDS)
    return count


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


# -- model pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Weights:
    """What a model's safetensors headers say: parameters in all, and per tensor type."""

    parameters: int
    by_dtype: dict[str, int]


def model_weights(*, repo: Repo, sha: str) -> Weights | None:
    """The safetensors summary of `repo` at `sha`, from the headers alone (no tensor is read).

    None when the commit has no safetensors file or one is not well-formed. Cached per
    commit: a commit never changes, so the card page reads each header once.
    """
    key = f"web:weights:{repo.storage_id}:{sha}"
    cached = cache.get(key)
    if cached is None:
        weights = _weights_read(repo, sha)
        cached = {"parameters": weights.parameters, "by_dtype": weights.by_dtype} if weights else {}
        cache.set(key, cached, timeout=CACHE_SECONDS)
    return Weights(**cached) if cached else None


def _weights_read(repo: Repo, sha: str) -> Weights | None:
    # Only the weights are read, and only their headers: another file's verdict (a pickle
    # beside them the scanner refuses) says nothing about these.
    files = repo_files_at(repo=repo, sha=sha, only=_is_safetensors).files
    by_dtype: dict[str, int] = {}
    for file in files:
        counts = _dtype_counts(file)
        if counts is None:
            return None
        for dtype, count in counts.items():
            by_dtype[dtype] = by_dtype.get(dtype, 0) + count
    if not by_dtype:
        return None
    return Weights(parameters=sum(by_dtype.values()), by_dtype=by_dtype)


def _is_safetensors(path: str) -> bool:
    return path.endswith(".safetensors")


def _dtype_counts(file: RepoFile) -> dict[str, int] | None:
    try:
        with file.open() as handle:
            return read_header(handle.read, file_size=file.size).parameters_by_dtype()
    except (OSError, SafetensorsError):
        return None


def model_spaces(*, user: User, repo: Repo) -> list[Repo]:
    """Spaces `user` can see whose card lists `repo` under `models:`.

    The JSON text match narrows the rows in the database; the exact check keeps a Space that
    names `alice/bert-large` off the page of `alice/bert`.
    """
    candidates = (
        Repo.objects.visible_to(user)
        .filter(type=Repo.Type.SPACE, card_data__models__icontains=repo.repo_id)
        .select_related("namespace")
        .order_by("-likes", "-id")[: SPACES_SHOWN * 4]
    )
    wanted = repo.repo_id.lower()
    named = [s for s in candidates if wanted in _lowered(s.card_data.get("models"))]
    return named[:SPACES_SHOWN]


def _lowered(value: object) -> set[str]:
    values = value if isinstance(value, list) else [value]
    return {str(item).lower() for item in values if isinstance(item, str)}
