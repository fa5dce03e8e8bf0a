"""Page tests run against repos on disk in a temporary directory, through the services."""

import base64

import pytest

from registry.gitstore import Change, GitRepo
from registry.services.commits import commit_create, lfs_link
from registry.services.repos import repo_create


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.HUB_REPOS_DIR = tmp_path / "repos"
    settings.HUB_BLOBS_DIR = tmp_path / "blobs"
    from registry.blobs import blob_store

    blob_store.cache_clear()
    yield
    blob_store.cache_clear()


def make_repo(owner, name: str = "tiny", **overrides):
    fields = {"organization": None, "repo_type": "model", "private": False} | overrides
    return repo_create(user=owner, token=None, name=name, **fields)


def commit_files(repo, user, files: dict[str, bytes], message: str = "Add files"):
    git = GitRepo(repo.storage_id)
    changes = [Change("add", path, git.write_blob(data)) for path, data in files.items()]
    return commit_create(
        user=user,
        repo=repo,
        git=git,
        ref="refs/heads/main",
        parent_commit=None,
        changes=changes,
        message=message + "\n",
    )


def commit_lfs(repo, user, path: str, data: bytes) -> str:
    """Stores `data` as an LFS object and commits its pointer at `path`; returns the oid."""
    import hashlib

    from registry.blobs import blob_store
    from registry.gitstore import pointer_bytes

    oid = hashlib.sha256(data).hexdigest()
    blob_store().put(oid, [data], size=len(data))
    lfs_link(repo=repo, oid=oid, size=len(data))
    git = GitRepo(repo.storage_id)
    pointer = git.write_blob(pointer_bytes(oid, len(data)))
    commit_create(
        user=user,
        repo=repo,
        git=git,
        ref="refs/heads/main",
        parent_commit=None,
        changes=[Change("add", path, pointer)],
        message=f"Add {path}\n",
    )
    return oid


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
