"""Where each repository lives: storage roots and the routing table.

A hub may keep its git repositories on several volumes ("roots"): `default` is
HUB_REPOS_DIR, others come from HUB_REPOS_ROOTS. New repositories are spread over the roots
that take them (HUB_REPOS_NEW_ROOTS) by their storage id; the `RepoPlacement` table records
every repository not on `default`, so adding a root never moves a repository by accident.

A move copies the repository under its write lock, checks the copy, switches the table, and
leaves a marker in the old copy: writers that waited on the old lock find it and refuse
(`RepoMoved`, nothing written), readers that resolved the old place keep reading an intact
repository until it is removed after a grace period.
"""

import hashlib
import shutil
import subprocess
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from registry.errors import ServiceUnavailable
from registry.models import RepoPlacement

DEFAULT = "default"
MOVED_MARKER = "minihub-moved"
# How long a process trusts what it read of the table: readers within that window may
# still open the old copy, which is why a move keeps it for longer (HUB_REPOS_MOVE_GRACE).
_TTL_SECONDS = 2.0
_placements: dict[str, tuple[str, float]] = {}


class RepoMoved(ServiceUnavailable):
    code = "RepoMoved"
    message = "The repository moved to another storage root while this write waited: retry"


def roots() -> dict[str, Path]:
    return {DEFAULT: settings.HUB_REPOS_DIR, **settings.HUB_REPOS_ROOTS}


def _dir_in(root: Path, storage_id: str) -> Path:
    return root / storage_id[:2] / f"{storage_id}.git"


def root_of(storage_id: uuid.UUID | str, *, fresh: bool = False) -> str:
    """The name of the root that holds the repository (`fresh`: asked of the table now)."""
    key = str(storage_id)
    cached = _placements.get(key)
    if cached and not fresh and time.monotonic() - cached[1] < _TTL_SECONDS:
        return cached[0]
    placed = RepoPlacement.objects.filter(storage_id=key).values_list("root", flat=True).first()
    name = placed or DEFAULT
    _placements[key] = (name, time.monotonic())
    return name


def repo_dir(storage_id: uuid.UUID | str, *, fresh: bool = False) -> Path:
    if not settings.HUB_REPOS_ROOTS:  # one root: no table to ask
        return _dir_in(settings.HUB_REPOS_DIR, str(storage_id))
    name = root_of(storage_id, fresh=fresh)
    if name not in roots():
        raise ImproperlyConfigured(f"a repository is placed on root {name!r}: {_UNNAMED}")
    return _dir_in(roots()[name], str(storage_id))


_UNNAMED = "HUB_REPOS_ROOTS no longer names it"


def unconfigured_roots() -> list[str]:
    """Roots the table places repositories on that the settings do not name."""
    placed = RepoPlacement.objects.values_list("root", flat=True).distinct()
    return sorted(set(placed) - set(roots()))


def root_for_new(storage_id: uuid.UUID | str) -> str:
    """The root a new repository goes to: its storage id, hashed, picks one of the roots
    that take new repositories, so repositories spread evenly without a counter."""
    accepting = settings.HUB_REPOS_NEW_ROOTS or sorted(roots())
    digest = hashlib.sha256(str(storage_id).encode()).digest()
    return accepting[int.from_bytes(digest[:8], "big") % len(accepting)]


def place_new(storage_id: uuid.UUID | str) -> Path:
    """Records where a new repository goes and returns its directory (not created)."""
    key = str(storage_id)
    name = root_for_new(key) if settings.HUB_REPOS_ROOTS else DEFAULT
    if name != DEFAULT:
        RepoPlacement.objects.update_or_create(storage_id=key, defaults={"root": name})
    _placements[key] = (name, time.monotonic())
    return _dir_in(roots()[name], key)


def forget(storage_id: uuid.UUID | str) -> None:
    RepoPlacement.objects.filter(storage_id=str(storage_id)).delete()
    _placements.pop(str(storage_id), None)


def all_repo_dirs() -> list[Path]:
    """Every repository directory on every root (moved-away copies and trash excluded)."""
    found = []
    for root in roots().values():
        found += [
            path
            for path in root.glob("??/*.git")
            if not path.name.startswith(".") and not (path / MOVED_MARKER).exists()
        ]
    return found


def copy_checked(source: Path, storage_id: str, target_root: str) -> Path:
    """Copies a repository to `target_root` under a temporary name, checks that git reads
    every object and ref of the copy, then renames it into place (one rename: a reader
    sees no repository there, or a whole one). Call with the repository's write lock held."""
    target = _dir_in(roots()[target_root], storage_id)
    if target.exists():  # an interrupted move's copy: the table never pointed at it
        remove_old(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".moving-{uuid.uuid4().hex}")
    try:
        ignore = shutil.ignore_patterns("minihub-*.lock", MOVED_MARKER)
        shutil.copytree(source, staging, symlinks=True, ignore=ignore)
        check = subprocess.run(
            ["git", "fsck", "--connectivity-only", "--no-dangling", "--no-progress"],
            cwd=staging,
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            raise OSError(f"the copy does not check out: {check.stderr.strip()[:500]}")
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def switch(storage_id: str, *, old: Path, target_root: str) -> None:
    """Points the table at the new copy and marks the old one, still under the write lock."""
    if target_root == DEFAULT:
        RepoPlacement.objects.filter(storage_id=storage_id).delete()
    else:
        RepoPlacement.objects.update_or_create(
            storage_id=storage_id, defaults={"root": target_root}
        )
    _placements[storage_id] = (target_root, time.monotonic())
    (old / MOVED_MARKER).write_text(f"{target_root}\n")


def remove_old(old: Path) -> None:
    trash = old.with_name(f".trash-{uuid.uuid4().hex}")
    old.rename(trash)
    shutil.rmtree(trash, ignore_errors=True)
