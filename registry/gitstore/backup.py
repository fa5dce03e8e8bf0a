"""Copying repositories out of and into the hub's storage, for backup and restore."""

import shutil
from collections.abc import Iterable
from pathlib import Path

from registry.gitstore.repo import GitRepo
from registry.gitstore.roots import repo_dir

_LOCK = "minihub-write.lock"


def repos_export(storage_ids: Iterable[str], dest: Path) -> int:
    """Copies each repository under its write lock, so no copy catches a push half-way.

    Returns how many were copied; a repository deleted meanwhile is skipped.
    """
    copied = 0
    for storage_id in storage_ids:
        source = repo_dir(storage_id)
        if not source.is_dir():
            continue
        # Backups are laid out as one root: a restore places repositories where its
        # database's routing table says (or on the default root).
        target = dest / source.relative_to(source.parent.parent)
        with GitRepo(storage_id).write_lock():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns(_LOCK), symlinks=True)
        copied += 1
    return copied


def repos_import(src: Path) -> int:
    """Copies a backup's repositories into the hub's storage; existing ones are refused."""
    copied = 0
    for source in sorted(src.glob("??/*.git")):
        target = repo_dir(source.name.removesuffix(".git"), fresh=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, target, symlinks=True)
        copied += 1
    return copied
