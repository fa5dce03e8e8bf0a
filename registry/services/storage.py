"""Moving repositories between storage roots while the hub serves them."""

import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction

from registry import errors
from registry.gitstore import GitRepo
from registry.gitstore.roots import copy_checked, remove_old, root_of, roots, switch
from registry.models import Repo


def repo_find(*, repo_id: str, repo_type: str) -> Repo:
    namespace, _, name = repo_id.partition("/")
    repo = Repo.objects.filter(namespace__name=namespace, name=name, type=repo_type).first()
    if repo is None:
        raise errors.RepoNotFound(f"No {repo_type} repository {repo_id}")
    return repo


def repo_move(*, repo: Repo, root: str, progress: Callable[[str], None]) -> Path:
    """Moves `repo`'s git directory to `root` and returns its new place.

    Reads go on throughout; writes wait for the copy (the write lock), and those that
    prepared objects in the old copy meanwhile are refused with `RepoMoved`, so no commit
    lands in a copy that is about to go. The old copy stays readable for
    HUB_REPOS_MOVE_GRACE seconds for requests that found it before the switch.
    """
    storage_id = str(repo.storage_id)
    if root not in roots():
        raise errors.BadRequest(f"No storage root {root!r}: the roots are {sorted(roots())}")
    if root_of(storage_id, fresh=True) == root:
        raise errors.BadRequest(f"{repo} is already on the root {root!r}")
    git = GitRepo(storage_id)
    with git.write_lock():
        progress(f"copying {git.path} to the root {root!r} (writes wait meanwhile)")
        target = copy_checked(git.path, storage_id, root)
        with transaction.atomic():
            switch(storage_id, old=git.path, target_root=root)
    progress(f"now served from {target}; writes resumed")
    progress(f"keeping the old copy {settings.HUB_REPOS_MOVE_GRACE} s for readers already in it")
    time.sleep(settings.HUB_REPOS_MOVE_GRACE)
    remove_old(git.path)
    progress("old copy removed")
    return target
