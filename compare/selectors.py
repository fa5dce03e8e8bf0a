"""Reads: the comparison of two revisions of a repo, as the page and the API show it."""

import json
import threading
from dataclasses import dataclass, field

from django.conf import settings

from compare import files
from compare.files import FileChange
from compare.models import TensorDiff
from compare.tensors import header_diff
from evaluation.models import EvaluationJob
from evaluation.selectors import jobs_visible
from registry import errors
from registry.gitstore import GitRepo
from registry.models import AccessToken, Repo, User
from registry.permissions import Action, Actor, allows
from registry.repofiles import RepoFile, repo_file_open
from registry.safetensors import Header, SafetensorsError, read_header

# Bytes of text and config files one comparison reads, in all; past it files are listed only.
READ_BUDGET_FILES = 4
# Safetensors headers by (LFS oid, size), per process: an object's bytes never change.
HEADERS_CACHED = 256
_headers: dict[tuple[str, int], Header] = {}
_headers_lock = threading.Lock()


@dataclass
class EvalRow:
    dataset: str
    config: str
    split: str
    metric: str
    base: float | None
    head: float | None

    @property
    def delta(self) -> float | None:
        return None if self.base is None or self.head is None else self.head - self.base


@dataclass
class Comparison:
    repo: Repo
    base_rev: str
    head_rev: str
    base: str  # commit ids
    head: str
    changes: list[FileChange]
    total: int  # changed files, including those past files.MAX_FILES
    contents: bool  # False when the reader may see the list but not the files (gated)
    evaluations: list[EvalRow] = field(default_factory=list)

    @property
    def base_label(self) -> str:
        return _label(self.base_rev, self.base)

    @property
    def head_label(self) -> str:
        return _label(self.head_rev, self.head)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"added": 0, "removed": 0, "modified": 0, "renamed": 0}
        for change in self.changes:
            counts[change.status] += 1
        return counts


def _label(rev: str, sha: str) -> str:
    """A revision as people name it: a full commit id is shortened, as in the commit list."""
    return sha[:7] if rev == sha else rev


def comparison_get(
    *, user: User, token: AccessToken | None, repo: Repo, base_rev: str, head_rev: str
) -> Comparison:
    """Files changed from `base_rev` to `head_rev` (tree against tree, as `git diff a b`), with
    their contents' diffs for readers who may download the repo's files."""
    git = GitRepo(repo.storage_id)
    base, head = git.resolve(base_rev), git.resolve(head_rev)
    changes, total = files.changes_between(
        git.list_tree(base, recursive=True), git.list_tree(head, recursive=True)
    )
    comparison = Comparison(
        repo=repo,
        base_rev=base_rev,
        head_rev=head_rev,
        base=base,
        head=head,
        changes=changes,
        total=total,
        contents=allows(Actor(user, token), Action.DOWNLOAD, repo=repo),
    )
    if comparison.contents:
        _fill(comparison, user=user, token=token, git=git)
    if repo.type == Repo.Type.MODEL:
        comparison.evaluations = _evaluations(user=user, repo=repo, base=base, head=head)
    return comparison


def _fill(comparison: Comparison, *, user: User, token: AccessToken | None, git: GitRepo) -> None:
    budget = READ_BUDGET_FILES * settings.HUB_DIFF_MAX_BYTES
    for change in comparison.changes:
        if change.status == "renamed":  # the same bytes: nothing inside changed
            change.kind = "renamed"
            continue
        try:
            sides = _open_sides(comparison, change, user=user, token=token, git=git)
        except errors.EntryNotFound:
            change.note = "Its bytes are not on this hub."
            continue
        if change.path.endswith(".safetensors"):
            _safetensors(change, sides)
            continue
        size = sum(side.size for side in sides if side is not None)
        if any(side is not None and side.lfs is not None for side in sides):
            change.kind = "binary"
        elif max(side.size for side in sides if side is not None) > settings.HUB_DIFF_MAX_BYTES:
            change.kind, change.note = "large", "Too large to diff here."
        elif size > budget:
            change.kind, change.note = "large", "Not diffed: this comparison read enough already."
        else:
            budget -= size
            _contents(change, [_bytes(side) for side in sides])


def _open_sides(
    comparison: Comparison,
    change: FileChange,
    *,
    user: User,
    token: AccessToken | None,
    git: GitRepo,
) -> list[RepoFile | None]:
    pairs = (
        (change.base, comparison.base, change.old_path or change.path),
        (change.head, comparison.head, change.path),
    )
    return [
        None
        if entry is None
        else repo_file_open(
            user=user, token=token, repo=comparison.repo, rev=sha, path=path, git=git
        )
        for entry, sha, path in pairs
    ]


def _bytes(side: RepoFile | None) -> bytes:
    return b"" if side is None else side.read(limit=settings.HUB_DIFF_MAX_BYTES)


def _contents(change: FileChange, data: list[bytes]) -> None:
    texts = [files.decode_text(side) for side in data]
    if None in texts:
        change.kind = "binary"
        return
    if change.configured:
        parsed = [_json(text) for text in texts]
        if all(value is not _UNREADABLE for value in parsed):
            change.kind = "config"
            change.config = files.config_table(*parsed)
            return
    change.kind = "card" if change.path == files.CARD else "text"
    files.text_diff(change, *texts)


_UNREADABLE = object()


def _json(text: str) -> object:
    """A side's JSON; an absent side (empty text) is an empty object."""
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return _UNREADABLE


def _safetensors(change: FileChange, sides: list[RepoFile | None]) -> None:
    try:
        headers = tuple(_header(side) for side in sides)
    except SafetensorsError as error:
        change.kind, change.note = "binary", f"Not a readable safetensors file: {error}"
        return
    change.kind = "safetensors"
    change.headers = headers
    change.tensors = header_diff(*headers)
    if change.status == "modified":
        base, head = change.object_key
        change.data = TensorDiff.objects.filter(base_object=base, head_object=head).first()


def _header(side: RepoFile | None) -> Header | None:
    """The file's checked header; an LFS object's is read once per process (its oid names
    its bytes), so reloading a comparison of many safetensors files reads none again."""
    if side is None:
        return None
    if side.lfs is None:
        return _read_header(side)
    key = (side.lfs.oid, side.size)
    header = _headers.get(key)
    if header is None:
        header = _read_header(side)
        with _headers_lock:
            if len(_headers) >= HEADERS_CACHED:
                _headers.clear()
            _headers[key] = header
    return header


def _read_header(side: RepoFile) -> Header:
    with side.open() as handle:
        return read_header(handle.read, file_size=side.size)


def _evaluations(*, user: User, repo: Repo, base: str, head: str) -> list[EvalRow]:
    """Verified results of both commits, one row per dataset, split and metric."""
    jobs = jobs_visible(user=user).filter(
        model_repo=repo, model_sha__in=[base, head], state=EvaluationJob.State.SUCCEEDED
    )
    rows: dict[tuple[str, str, str, str], EvalRow] = {}
    # Oldest first, so a rerun's numbers replace the first run's.
    for job in jobs.order_by("created_at", "id"):
        for metric, value in job.results.items():
            key = (job.dataset_repo.repo_id, job.config, job.split, metric)
            row = rows.setdefault(key, EvalRow(*key, base=None, head=None))
            setattr(row, "base" if job.model_sha == base else "head", value)
            if base == head:
                row.head = value
    return [rows[key] for key in sorted(rows)]
