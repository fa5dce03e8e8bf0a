"""Compare tests: the tiny model's two revisions committed to a repo on disk through the
services (weights as LFS objects), read back through the Django test client."""

import hashlib
from pathlib import Path

import pytest

from registry.blobs import blob_store
from registry.gitstore import Change, GitRepo, pointer_bytes
from registry.models import Repo, User
from registry.services.commits import commit_create, lfs_link
from registry.services.repos import repo_create
from tests.compare.tiny_model import Revisions, revisions


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.HUB_DATA_DIR = tmp_path / "data"
    settings.HUB_REPOS_DIR = tmp_path / "repos"
    settings.HUB_BLOBS_DIR = tmp_path / "blobs"
    blob_store.cache_clear()
    yield
    blob_store.cache_clear()


def commit_folder(user: User, repo: Repo, folder: Path, message: str) -> str:
    """Makes main hold exactly `folder`'s files (weights as LFS objects); the new commit id."""
    git = GitRepo(repo.storage_id)
    head = git.ref_target("refs/heads/main")
    present = {e.path for e in git.list_tree(head, recursive=True) if e.type == "file"}
    files = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
    changes = [Change("delete_file", path) for path in sorted(present - files.keys())]
    for name, path in sorted(files.items()):
        data = path.read_bytes()
        if name.endswith(".safetensors"):
            oid = hashlib.sha256(data).hexdigest()
            blob_store().put(oid, [data])
            lfs_link(repo=repo, oid=oid, size=len(data))
            data = pointer_bytes(oid, len(data))
        changes.append(Change("add", name, git.write_blob(data)))
    commit_create(
        user=user, repo=repo, git=git, ref="refs/heads/main", parent_commit=None,
        changes=changes, message=message + "\n",
    )  # fmt: skip
    return git.ref_target("refs/heads/main")


@pytest.fixture
def tiny() -> Revisions:
    return revisions()


@pytest.fixture
def model(alice, tiny) -> tuple[Repo, str, str]:
    """alice/tiny with v1 then v2 on main: (repo, v1 commit, v2 commit)."""
    repo = repo_create(
        user=alice, token=None, name="tiny", organization=None, repo_type="model", private=False
    )
    first = commit_folder(alice, repo, tiny.v1, "First version")
    second = commit_folder(alice, repo, tiny.v2, "Three labels")
    return repo, first, second
