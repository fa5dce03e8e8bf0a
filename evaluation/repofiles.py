"""What evaluation reads of a repo's files without loading them: fingerprints, data files and
parameter counts (from safetensors headers in the blob store)."""

import hashlib

from django.core.cache import cache

from registry.gitstore import Entry, GitRepo
from registry.models import Repo
from registry.repofiles import RepoFile, repo_files_at
from registry.safetensors import SafetensorsError, read_header

DATA_SUFFIXES = (".parquet", ".csv", ".tsv", ".json", ".jsonl", ".arrow")
_DOCS = (".md",)


def _files(git: GitRepo, sha: str) -> list[Entry]:
    return [entry for entry in git.list_tree(sha, recursive=True) if entry.type == "file"]


def fingerprint(git: GitRepo, sha: str, *, ignore_docs: bool) -> str:
    """A hash of every file's path and content id at `sha`.

    A model's docs (README.md) are left out: a commit that only edits the card, such as a
    merged evaluation pull request, does not make the model worth evaluating again.
    """
    lines = sorted(
        f"{entry.path}\0{entry.lfs.oid if entry.lfs else entry.oid}"
        for entry in _files(git, sha)
        if entry.path != ".gitattributes" and not (ignore_docs and entry.path.endswith(_DOCS))
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def data_files(git: GitRepo, sha: str) -> list[str]:
    return [entry.path for entry in _files(git, sha) if entry.path.endswith(DATA_SUFFIXES)]


def loadable_check(repo: Repo, sha: str) -> None:
    """FileQuarantined naming the files the scanner flagged, if the worker's snapshot of the
    model would hold one: a job is refused when it is submitted, not when it runs."""
    repo_files_at(repo=repo, sha=sha)


def parameter_count(repo: Repo, sha: str) -> int | None:
    """Parameters in the model's top-level safetensors files, from their headers alone.

    None when there are none or a header cannot be read. Cached: a commit never changes.
    """
    key = f"evaluation:parameters:{repo.storage_id}:{sha}"
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    weights = repo_files_at(repo=repo, sha=sha, only=_top_level_weights).files
    counts = [_count(file) for file in weights]
    total = sum(counts) if counts and None not in counts else None
    cache.set(key, total or 0, timeout=None)
    return total


def _top_level_weights(path: str) -> bool:
    return "/" not in path and path.endswith(".safetensors")


def _count(file: RepoFile) -> int | None:
    try:
        with file.open() as handle:
            return read_header(handle.read, file_size=file.size).parameters
    except (OSError, SafetensorsError):
        return None
