"""Does the hub agree with itself? Git refs and objects, LFS objects and links, the index,
and what killed processes left in the storage."""

import time
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Q

from registry.blobs import blob_store
from registry.gitstore import GitRepo, repo_dir
from registry.gitstore.fsck import (
    GitCheckFailed,
    Leftover,
    broken_refs,
    connectivity_problems,
    hub_leftovers,
    leftover_remove,
    reachable_pointers,
    repo_leftovers,
    stored_repo_ids,
)
from registry.gitstore.roots import unconfigured_roots
from registry.models import LfsObject, Repo, RepoTag
from registry.services.commits import lfs_link
from registry.services.objects import object_stored
from registry.services.repos import repo_index, repo_refresh


@dataclass(frozen=True)
class Finding:
    subject: str  # "model:alice/bert", or a path for what has no row
    problem: str
    repaired: bool = False

    def __str__(self) -> str:
        return f"{self.subject}: {self.problem}{' (repaired)' if self.repaired else ''}"


def hub_fsck(*, repair: bool) -> list[Finding]:
    """Checks every repo; with `repair`, fixes what can be fixed without losing data.

    Repairs: re-run repo_refresh on a stale index, relink stored objects that a repo's
    pointers name, remove rows whose git repository is gone, and remove what killed
    processes left (only what no live process can be using: see leftovers_clear).
    """
    unnamed = unconfigured_roots()
    if unnamed:  # their repositories would all look missing, and a repair would drop rows
        problem = f"repositories are placed on roots the settings do not name: {unnamed}"
        return [Finding("HUB_REPOS_ROOTS", f"{problem}; nothing else was checked")]
    stored: dict[tuple[str, int], bool] = {}  # one storage lookup per object for the run
    findings = _leftover_findings(repair=repair)
    for repo in Repo.objects.select_related("namespace").order_by("pk"):
        findings += _repo_fsck(repo, repair=repair, stored=stored)
    known = {str(sid) for sid in Repo.objects.values_list("storage_id", flat=True)}
    for storage_id in sorted(stored_repo_ids() - known):
        # Could be a repo being created this instant; never removed automatically.
        problem = "git repository without a row in the database (left alone)"
        findings.append(Finding(str(repo_dir(storage_id)), problem))
    return findings


def leftovers_clear() -> list[Leftover]:
    """Removes the stale locks, push quarantines and temporary files killed processes left.

    Safe while other web processes serve from the same storage: only what is provably
    stale goes, by its age or its dead owner (registry/gitstore/fsck.py says which).
    """
    leftovers = [leftover for _, leftover in _leftovers()]
    for leftover in leftovers:
        leftover_remove(leftover)
    return leftovers


def _leftovers() -> list[tuple[Path | None, Leftover]]:
    """Each leftover with the repository folder it is in (None: outside any)."""
    now = time.time()
    found: list[tuple[Path | None, Leftover]] = [(None, left) for left in hub_leftovers(now=now)]
    for storage_id in sorted(stored_repo_ids()):
        folder = repo_dir(storage_id)
        found += [(folder, leftover) for leftover in repo_leftovers(folder, now=now)]
    return found


def _leftover_findings(*, repair: bool) -> list[Finding]:
    """Checked first: a stale `packed-refs.lock` would fail a repair further on."""
    repos = Repo.objects.select_related("namespace")
    labels = {repo_dir(repo.storage_id): str(repo) for repo in repos}
    findings = []
    for folder, leftover in _leftovers():
        if folder is None:  # the path says it all
            subject, what = str(leftover.path), leftover.kind
        else:
            subject = labels.get(folder, str(folder))
            what = f"{leftover.kind} {leftover.path.relative_to(folder)}"
        problem = f"{what} left by a killed process ({leftover.reason})"
        if repair:
            leftover_remove(leftover)
            findings.append(Finding(subject, f"{problem}; removed it", True))
        else:
            findings.append(Finding(subject, f"{problem} (--repair removes it)"))
    return findings


def _repo_fsck(repo: Repo, *, repair: bool, stored: dict[tuple[str, int], bool]) -> list[Finding]:
    subject = str(repo)
    if not repo_dir(repo.storage_id).is_dir():
        if repair:
            repo.delete()
            return [Finding(subject, "git repository is missing; removed the row", True)]
        return [Finding(subject, "git repository is missing (--repair removes the row)")]
    git = GitRepo(repo.storage_id)
    findings = [Finding(subject, f"ref {problem}") for problem in broken_refs(git)]
    if findings:
        return [*findings, Finding(subject, "further checks skipped until the refs are fixed")]
    findings += [Finding(subject, f"git fsck: {line}") for line in connectivity_problems(git)]
    try:
        findings += _lfs_findings(repo, git, repair=repair, stored=stored)
    except GitCheckFailed as exc:
        findings.append(Finding(subject, str(exc)))
    return findings + _index_findings(repo, git, repair=repair)


def _lfs_findings(repo: Repo, git: GitRepo, *, repair: bool,
                  stored: dict[tuple[str, int], bool]) -> list[Finding]:  # fmt: skip
    """Each pointer reachable from a ref names an object of its size stored as a blob or a
    verified Xet file, linked to the repo."""
    subject, findings = str(repo), []
    links = dict(LfsObject.objects.filter(repo=repo).values_list("oid", "size"))
    for oid, size in sorted({(p.oid, p.size) for p in reachable_pointers(git)}):
        if (oid, size) not in stored:
            stored[oid, size] = object_stored(oid=oid, size=size)
        if not stored[oid, size]:
            blob = blob_store().size(oid)
            state = "missing from storage" if blob is None else f"{blob} bytes in storage"
            findings.append(Finding(subject, f"LFS object {oid} ({size} bytes) is {state}"))
        elif links.get(oid) != size:
            findings.append(_relink(repo, oid, size, repair=repair))
    return findings


def _relink(repo: Repo, oid: str, size: int, *, repair: bool) -> Finding:
    """Relinks a stored object a pointer names, unless that would open another's private bytes.

    Pointers can be committed as plain files by anyone who knows a hash, so an object only
    linked to private repos of other namespaces stays unlinked: its bytes were never shown
    to be this repo's.
    """
    subject = str(repo)
    problem = f"LFS object {oid} is stored but not linked to the repo"
    others = LfsObject.objects.filter(oid=oid).exclude(repo=repo)
    open_elsewhere = others.filter(Q(repo__private=False) | Q(repo__namespace=repo.namespace))
    if others.exists() and not open_elsewhere.exists():
        return Finding(subject, f"{problem}; only private repos elsewhere hold it (left alone)")
    if not repair or LfsObject.objects.filter(repo=repo, oid=oid).exclude(size=size).exists():
        return Finding(subject, f"{problem} (--repair links it)")
    lfs_link(repo=repo, oid=oid, size=size)
    return Finding(subject, f"{problem}; linked it", True)


def _index_findings(repo: Repo, git: GitRepo, *, repair: bool) -> list[Finding]:
    """The row's cached card, tags and head agree with what repo_refresh computes from git."""
    fields, tags = repo_index(repo=repo, git=git)
    wrong = [name for name, value in fields.items() if getattr(repo, name) != value]
    if set(RepoTag.objects.filter(repo=repo).values_list("tag", flat=True)) != set(tags):
        wrong.append("tags")
    if not wrong:
        return []
    problem = f"the index disagrees with git on {', '.join(wrong)}"
    if not repair:
        return [Finding(str(repo), f"{problem} (--repair re-reads it)")]
    repo_refresh(repo=repo, git=git)
    return [Finding(str(repo), f"{problem}; re-read it from git", True)]
