"""What evaluation reads of a repo's files without loading them: fingerprints, data files and
parameter counts (from safetensors headers in the blob store)."""

import hashlib
import json
import struct

from django.core.cache import cache

from registry.gitstore import Entry, GitRepo
from registry.models import Repo
from registry.repofiles import RepoFile, repo_files_at

DATA_SUFFIXES = (".parquet", ".csv", ".tsv", ".json", ".jsonl", ".arrow")
# A safetensors file starts with the length of its JSON header (u64, little-endian).
_MAX_HEADER = 100 * 1024 * 1024
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


def parameter_count(repo: Repo, sha: str) -> int | None:
    """Parameters in the model's top-level safetensors files, from their headers alone.

    None when there are none or a header cannot be read. Cached: a commit never changes.
    """
    key = f"evaluation:parameters:{repo.storage_id}:{sha}"
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    weights = [
        file
        for file in repo_files_at(repo=repo, sha=sha).files
        if "/" not in file.path and file.path.endswith(".safetensors")
    ]
    counts = [_count(file) for file in weights]
    total = sum(counts) if counts and None not in counts else None
    cache.set(key, total or 0, timeout=None)
    return total


def _count(file: RepoFile) -> int | None:
    header = _header(file)
    if header is None:
        return None
    total = 0
    for name, tensor in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(tensor, dict) or not isinstance(tensor.get("shape"), list):
            return None
        elements = 1
        for size in tensor["shape"]:
            elements *= int(size)
        total += elements
    return total


def _header(file: RepoFile) -> dict | None:
    try:
        with file.open() as handle:
            return _parse_header(handle.read(8), handle.read)
    except OSError:
        return None


def _parse_header(prefix: bytes, read) -> dict | None:
    if len(prefix) != 8:
        return None
    (length,) = struct.unpack("<Q", prefix)
    if length > _MAX_HEADER:
        return None
    try:
        header = json.loads(read(length))
    except (ValueError, UnicodeDecodeError):
        return None
    return header if isinstance(header, dict) else None
