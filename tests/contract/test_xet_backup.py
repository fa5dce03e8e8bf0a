"""A hub holding files uploaded through Xet, backed up and restored into an empty hub (across
blob stores): fsck finds nothing missing, and Xet and plain HTTP clients read the same bytes."""

import os
import re
import uuid
from pathlib import Path

import httpx2 as httpx
import pytest
from huggingface_hub import HfApi, constants, hf_hub_download

from tests.live import LiveHub
from tests.production.conftest import S3Server, start_hub

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def s3():
    server = S3Server()
    yield server
    server.stop()


@pytest.fixture
def stock_client(monkeypatch):
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", False)


def store_env(s3: S3Server, store: str) -> dict[str, str]:
    return s3.bucket_env() if store == "s3" else {}


@pytest.mark.parametrize(("source_store", "target_store"), [("local", "s3"), ("s3", "local")])
def test_a_backup_carries_xet_files_into_an_empty_hub(
    s3, stock_client, tmp_path, source_store, target_store
):
    files = {"weights.bin": os.urandom(200_000), "model.safetensors": os.urandom(90_000)}
    source = start_hub(tmp_path / "source", **store_env(s3, source_store))
    try:
        api = HfApi(endpoint=source.url, token=source.tokens["alice"])
        repo = api.create_repo(f"xet-kept-{uuid.uuid4().hex[:6]}", private=True).repo_id
        for path, data in files.items():
            api.upload_file(path_or_fileobj=data, path_in_repo=path, repo_id=repo)
        assert re.search(r"POST /xet-cas/v1/xorbs/", "".join(source.output))
        source.manage("backup", str(tmp_path / "backup"))
    finally:
        source.close()
    target = LiveHub(tmp_path / "target", **store_env(s3, target_store))
    target.manage("migrate", "--noinput")

    restored = target.manage("restore", str(tmp_path / "backup"), check=False)
    target.start()
    try:
        token = source.tokens["alice"]
        through_xet = {
            path: Path(hf_hub_download(repo, path, endpoint=target.url, token=token,
                                       cache_dir=tmp_path / "xet")).read_bytes()
            for path in files
        }  # fmt: skip
        over_http = {
            path: httpx.get(f"{target.url}/{repo}/resolve/main/{path}", follow_redirects=True,
                            headers={"Authorization": f"Bearer {token}"}).content
            for path in files
        }  # fmt: skip
    finally:
        target.close()

    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "fsck: 0 problem(s)" in restored.stdout
    assert list((tmp_path / "backup" / "xet-xorbs").glob("??/*"))
    assert through_xet == files
    assert over_http == files
    log = "".join(target.output)
    assert len(re.findall(r"GET /xet-cas/v[12]/reconstructions/\w+ 200", log)) == len(files)
