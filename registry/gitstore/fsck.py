"""Integrity checks of the repositories on disk, for `manage.py fsck` and the start of
`manage.py serve`: what git says, and what killed processes left behind."""

import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pygit2

from registry.gitstore.lfs import POINTER_MAX_SIZE, LfsPointer, parse_pointer
from registry.gitstore.push import hooks_folder, stale_push_folders
from registry.gitstore.repo import _GIT_ENV, GitRepo
from registry.gitstore.roots import MOVED_MARKER, all_repo_dirs, roots


class GitCheckFailed(Exception):
    """git could not walk the repository."""


def broken_refs(git: GitRepo) -> list[str]:
    """Refs that do not lead to a commit in the object database."""
    problems = []
    for name in git.git.references:
        try:
            target = git.git.references[name].resolve().target
        except (KeyError, pygit2.GitError):
            problems.append(f"{name} cannot be resolved")
            continue
        obj = git.git.get(target)
        if obj is None:
            problems.append(f"{name} points at missing object {target}")
            continue
        try:
            obj.peel(pygit2.Commit)
        except (ValueError, pygit2.GitError):
            problems.append(f"{name} points at {target}, which is not a commit")
    return problems


def connectivity_problems(git: GitRepo) -> list[str]:
    """What `git fsck --connectivity-only` finds missing under any ref (empty when whole)."""
    result = _git(git, "fsck", "--connectivity-only", "--no-dangling", "--no-progress")
    if result.returncode == 0:
        return []
    lines = [line for line in result.stderr.splitlines() + result.stdout.splitlines()
             if line.strip() and not line.startswith("notice:")]  # fmt: skip
    return lines or [f"git fsck exited with status {result.returncode}"]


def reachable_pointers(git: GitRepo) -> set[LfsPointer]:
    """Every LFS pointer in a file reachable from any ref (branches, tags, PRs)."""
    # Blobs too large to be pointers are filtered out by git itself.
    result = _git(git, "rev-list", "--objects", "--all", "--no-object-names",
                  f"--filter=blob:limit={POINTER_MAX_SIZE + 1}", "--missing=allow-any")  # fmt: skip
    if result.returncode != 0:
        raise GitCheckFailed(f"git rev-list failed: {result.stderr.strip()}")
    pointers = set()
    for line in result.stdout.split():
        oid = pygit2.Oid(hex=line)
        try:
            kind, size = git.git.odb.read_header(oid)
        except KeyError:  # missing: connectivity_problems reports it
            continue
        if kind == pygit2.enums.ObjectType.BLOB and size <= POINTER_MAX_SIZE:
            pointer = parse_pointer(git.git[oid].data)
            if pointer is not None:
                pointers.add(pointer)
    return pointers


def stored_repo_ids() -> set[str]:
    """The storage ids of every repository directory on disk, on every root."""
    return {path.name.removesuffix(".git") for path in all_repo_dirs()}


def _git(git: GitRepo, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=git.path, capture_output=True, text=True,
                          env=_GIT_ENV, check=False)  # fmt: skip


# -- leftovers of killed processes ----------------------------------------------------------

# Several web processes, on several machines, share the repositories, and a start or an
# fsck must never remove what a live one is using. Neither git nor the hub records which
# process owns a lock or a temporary file, so age decides, with a wide margin over the
# longest legitimate use:
# - git holds a lock file (`<ref>.lock`, `packed-refs.lock`, `HEAD.lock`, `config.lock`)
#   for milliseconds, a few seconds when pack-refs rewrites very many refs;
# - a push's quarantine, and the temporary files of a pack being received, written or
#   repacked, change while bytes arrive; then receive-pack checks connectivity and its hook
#   waits for the hub's decision (behind the repo's write lock): minutes at worst. A
#   folder's age is that of its newest entry.
STALE_LOCK_SECONDS = 5 * 60
STALE_TEMP_SECONDS = 60 * 60

# Relative to a repository: (pattern, kind, bound).
_STALE_WHEN = (
    ("*.lock", "lock file", STALE_LOCK_SECONDS),  # packed-refs.lock, HEAD.lock, config.lock
    ("refs/**/*.lock", "lock file", STALE_LOCK_SECONDS),
    # `git gc --auto` (after a push) holds the commit-graph's lock while it writes it.
    ("objects/info/*.lock", "lock file", STALE_TEMP_SECONDS),
    ("objects/tmp_objdir-incoming-*", "push quarantine", STALE_TEMP_SECONDS),  # git 2.11+
    ("objects/incoming-*", "push quarantine", STALE_TEMP_SECONDS),  # as older git named it
    # Written outside a quarantine: blobs by pygit2 (libgit2), packs by gc's repack, and a
    # large file's decoded content by registry/api/commit_payload.py.
    ("objects/tmp_object_git2_*", "temporary file", STALE_TEMP_SECONDS),
    ("objects/pack/.tmp-*", "temporary file", STALE_TEMP_SECONDS),
    ("tmp*", "temporary file", STALE_TEMP_SECONDS),
)
# The hub's own lock files are never removed: they are flock(2) locks, which end with their
# process and leave no state, and deleting one that a process holds would let another lock
# a new file of the same name beside it.
_HUB_LOCK_PREFIX = "minihub-"


@dataclass(frozen=True)
class Leftover:
    path: Path
    kind: str  # "lock file", "temporary file", ...
    reason: str  # why it is known to be stale


def repo_leftovers(path: Path, *, now: float) -> list[Leftover]:
    """Lock and temporary files in the repository at `path` that no live process can own."""
    found = []
    for pattern, kind, bound in _STALE_WHEN:
        paths = (p for p in path.glob(pattern) if not p.name.startswith(_HUB_LOCK_PREFIX))
        found += _older_than(paths, kind, bound, now=now)
    return sorted(found, key=lambda leftover: leftover.path)


def hub_leftovers(*, now: float) -> list[Leftover]:
    """Leftovers outside any one repository: push folders, deleted repos, hook files."""
    found = [Leftover(folder, "push hook folder", "its process is gone")
             for folder in stale_push_folders()]  # fmt: skip
    # GitRepo.destroy renames a repository out of the way before removing it: nothing reads
    # a `.trash-*` folder, so a removal interrupted by a kill can be finished at any time.
    for root in roots().values():
        found += [Leftover(trash, "deleted repository", "renamed away when it was deleted")
                  for trash in root.glob("??/.trash-*")]  # fmt: skip
        # A move killed while it copied, or before it removed the old copy.
        found += _older_than(root.glob("??/.moving-*"), "unfinished move's copy",
                             STALE_TEMP_SECONDS, now=now)  # fmt: skip
        moved = [marker.parent for marker in root.glob(f"??/*.git/{MOVED_MARKER}")]
        found += _older_than(moved, "moved repository's old copy", STALE_TEMP_SECONDS,
                             now=now)  # fmt: skip
    found += _older_than(hooks_folder().glob("tmp*"), "temporary file", STALE_TEMP_SECONDS,
                         now=now)  # fmt: skip
    return found


def leftover_remove(leftover: Leftover) -> None:
    """Removes it; one that another process removed meanwhile is no error."""
    if leftover.path.is_dir() and not leftover.path.is_symlink():
        shutil.rmtree(leftover.path, ignore_errors=True)
    else:
        leftover.path.unlink(missing_ok=True)


def _older_than(paths: Iterable[Path], kind: str, bound: float, *, now: float) -> list[Leftover]:
    found = []
    for path in paths:
        age = now - _newest_change(path)
        if age >= bound:
            found.append(Leftover(path, kind, f"untouched for {_duration(age)}"))
    return found


def _newest_change(path: Path) -> float:
    """The newest modification time of `path` and, for a folder, of anything under it."""
    try:
        newest = path.lstat().st_mtime
    except FileNotFoundError:  # removed since it was listed: nothing to do
        return float("inf")
    if path.is_dir() and not path.is_symlink():
        for folder, dirs, files in os.walk(path):
            for name in (*dirs, *files):
                try:
                    newest = max(newest, os.lstat(os.path.join(folder, name)).st_mtime)
                except FileNotFoundError:
                    continue
    return newest


def _duration(seconds: float) -> str:
    if seconds < 2 * 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"
