"""`manage.py backup DEST` of a live hub, `manage.py restore SRC` into an empty one (across
blob stores), checked by fsck and by the real client reading everything back."""

import os
import uuid
from pathlib import Path

import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import RepositoryNotFoundError

from tests.live import LiveHub
from tests.production.conftest import start_hub

pytestmark = pytest.mark.live

CARD = b"---\nlicense: apache-2.0\npipeline_tag: fill-mask\n---\n# Kept\n"


def store_env(s3, store: str) -> dict[str, str]:
    return s3.bucket_env() if store == "s3" else {}


def fill(hub) -> dict:
    """Public and private repos, regular and LFS files, two branches; what the client saw."""
    alice = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    repo = alice.create_repo(f"kept-{uuid.uuid4().hex[:6]}").repo_id
    files = {"README.md": CARD, "config.json": b'{"a": 1}', "weights.bin": os.urandom(70_000)}
    for path, data in files.items():
        alice.upload_file(path_or_fileobj=data, path_in_repo=path, repo_id=repo)
    alice.create_branch(repo, branch="dev")
    alice.upload_file(path_or_fileobj=b"dev only", path_in_repo="dev.txt", repo_id=repo,
                      revision="dev")  # fmt: skip
    charlie = HfApi(endpoint=hub.url, token=hub.tokens["charlie"])
    secret = charlie.create_repo(f"secret-{uuid.uuid4().hex[:6]}", private=True).repo_id
    charlie.upload_file(path_or_fileobj=b"s" * 3000, path_in_repo="s.bin", repo_id=secret)
    return {"repo": repo, "files": files, "secret": secret, "info": alice.model_info(repo)}


@pytest.mark.parametrize(("source_store", "target_store"), [("local", "s3"), ("s3", "local")])
def test_a_backup_restores_into_an_empty_hub_whole(s3, tmp_path, source_store, target_store):
    source = start_hub(tmp_path / "source", **store_env(s3, source_store))
    try:
        seen = fill(source)
        backed_up = source.manage("backup", str(tmp_path / "backup"))
    finally:
        source.close()
    target = LiveHub(tmp_path / "target", **store_env(s3, target_store))
    target.manage("migrate", "--noinput")

    restored = target.manage("restore", str(tmp_path / "backup"), check=False)
    checked = target.manage("fsck", check=False)
    again = target.manage("restore", str(tmp_path / "backup"), check=False)
    target.start()
    try:
        alice = HfApi(endpoint=target.url, token=source.tokens["alice"])
        charlie = HfApi(endpoint=target.url, token=source.tokens["charlie"])
        repo = seen["repo"]
        downloaded = {
            path: Path(hf_hub_download(repo, path, endpoint=target.url,
                                       token=source.tokens["alice"])).read_bytes()
            for path in seen["files"]
        }  # fmt: skip
        info = alice.model_info(repo)
        dev = alice.list_repo_files(repo, revision="dev")
        secret_files = charlie.list_repo_files(seen["secret"])
        with pytest.raises(RepositoryNotFoundError):
            alice.model_info(seen["secret"])
    finally:
        target.close()

    assert "2 repositories" in backed_up.stdout
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "fsck: 0 problem(s)" in restored.stdout
    assert checked.returncode == 0, checked.stdout
    assert again.returncode != 0 and "already has users or repos" in again.stderr
    assert downloaded == seen["files"]
    assert (info.sha, info.card_data, info.pipeline_tag) == (
        seen["info"].sha, seen["info"].card_data, "fill-mask"
    )  # fmt: skip
    assert "dev.txt" in dev and secret_files == [".gitattributes", "s.bin"]
