import hashlib
from pathlib import Path

import pytest

from registry.blobs import blob_store
from registry.gitstore import Change, GitRepo, pointer_bytes
from registry.models import Repo, User
from registry.services.commits import commit_create, lfs_link
from registry.services.repos import repo_create

LFS_SUFFIXES = (".safetensors", ".bin")


def commit_folder(user: User, repo: Repo, folder: Path, *, skip: tuple[str, ...] = ()) -> str:
    """Commits every file of `folder` to main, weights as LFS objects, as the client would."""
    git = GitRepo(repo.storage_id)
    changes = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name in skip:
            continue
        data = path.read_bytes()
        if name.endswith(LFS_SUFFIXES):
            oid = hashlib.sha256(data).hexdigest()
            blob_store().put(oid, [data])
            lfs_link(repo=repo, oid=oid, size=len(data))
            data = pointer_bytes(oid, len(data))
        changes.append(Change("add", name, git.write_blob(data)))
    sha = commit_create(user=user, repo=repo, git=git, ref="refs/heads/main", parent_commit=None,
                        changes=changes, message="add model")  # fmt: skip
    repo.refresh_from_db()
    return sha


@pytest.fixture
def make_model(alice, tmp_path):
    """make_model(factory, name) -> a repo of alice's holding the factory's tiny model."""

    def make(factory, name: str, **options) -> Repo:
        folder = factory(tmp_path / name, **options)
        repo = repo_create(user=alice, token=None, name=name, organization=None,
                           repo_type="model", private=False)  # fmt: skip
        commit_folder(alice, repo, folder)
        repo.folder = folder
        return repo

    return make


@pytest.fixture
def fresh_cache(settings):
    """Each test starts with an empty model cache in this process."""
    from inference import pipelines

    pipelines._cache = None
    yield
    pipelines._cache = None
