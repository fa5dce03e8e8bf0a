"""Evaluation service tests: real tiny models and datasets committed to repos on disk, jobs run
in this process by the worker's own service (the Celery round trip is tested in contract)."""

import hashlib
from pathlib import Path

import pytest

from evaluation.models import EvaluationJob
from evaluation.services.jobs import job_submit
from evaluation.services.runs import job_run
from registry.blobs import blob_store
from registry.gitstore import Change, GitRepo, pointer_bytes
from registry.models import Repo, User
from registry.services.commits import commit_create, lfs_link
from registry.services.repos import repo_create

LFS_SUFFIXES = (".safetensors", ".parquet")


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.HUB_DATA_DIR = tmp_path / "data"
    settings.HUB_REPOS_DIR = tmp_path / "repos"
    settings.HUB_BLOBS_DIR = tmp_path / "blobs"
    # Jobs finish long before a heartbeat is due: the test's transaction is never contended.
    settings.HUB_EVAL_STALE_SECONDS = 600
    settings.HUB_EVAL_BATCH_SIZE = 4
    blob_store.cache_clear()
    from inference import pipelines

    pipelines._cache = None
    yield
    pipelines._cache = None
    blob_store.cache_clear()


def commit_folder(user: User, repo: Repo, folder: Path, message: str = "add files") -> str:
    """Commits every file of `folder` to main, weights and parquet files as LFS objects."""
    git = GitRepo(repo.storage_id)
    changes = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.name.endswith(LFS_SUFFIXES):
            oid = hashlib.sha256(data).hexdigest()
            blob_store().put(oid, [data])
            lfs_link(repo=repo, oid=oid, size=len(data))
            data = pointer_bytes(oid, len(data))
        changes.append(Change("add", path.relative_to(folder).as_posix(), git.write_blob(data)))
    sha = commit_create(
        user=user,
        repo=repo,
        git=git,
        ref="refs/heads/main",
        parent_commit=None,
        changes=changes,
        message=message,
    )
    repo.refresh_from_db()
    return sha


def make_repo(owner: User, name: str, repo_type: str, folder: Path, private: bool = False) -> Repo:
    repo = repo_create(
        user=owner, token=None, name=name, organization=None, repo_type=repo_type, private=private
    )
    commit_folder(owner, repo, folder)
    return repo


def evaluate(user: User, model: Repo, dataset: Repo, **options) -> EvaluationJob:
    """Submits a job and runs it here, as a worker would; the finished job."""
    job, _ = job_submit(
        user=user,
        token=None,
        model=model,
        model_revision="main",
        dataset=dataset,
        dataset_revision="main",
        options=options,
    )
    job_run(job_id=job.pk)
    job.refresh_from_db()
    return job
