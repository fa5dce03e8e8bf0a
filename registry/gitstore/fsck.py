"""Integrity checks of the repositories on disk, for `manage.py fsck`."""

import subprocess

import pygit2
from django.conf import settings

from registry.gitstore.lfs import POINTER_MAX_SIZE, LfsPointer, parse_pointer
from registry.gitstore.repo import _GIT_ENV, GitRepo


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
    """The storage ids of every repository directory on disk."""
    return {
        path.name.removesuffix(".git")
        for path in settings.HUB_REPOS_DIR.glob("??/*.git")
        if not path.name.startswith(".")
    }


def _git(git: GitRepo, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=git.path, capture_output=True, text=True,
                          env=_GIT_ENV, check=False)  # fmt: skip
