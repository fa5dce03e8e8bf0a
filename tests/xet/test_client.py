"""The stock huggingface_hub 2.4.0 with hf_xet 1.8.0, no Xet setting changed, uploading to a
live hub: every LFS-mode file goes through the Xet store, and the commits land."""

import hashlib
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from huggingface_hub import CommitOperationAdd, HfApi, constants, hf_hub_download

from tests.live import LiveHub

pytestmark = pytest.mark.live

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    previous = {k: os.environ.get(k) for k in ("HF_XET_CACHE", "HF_HUB_DISABLE_TELEMETRY")}
    # hf_xet's shard cache (its deduplication memory) belongs to this run, not the home dir.
    os.environ["HF_XET_CACHE"] = str(tmp_path_factory.mktemp("xet-cache"))
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    live = LiveHub(tmp_path_factory.mktemp("xet-hub")).start().add_accounts()
    yield live
    live.close()
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def stock_client(monkeypatch):
    """Xet on, as pip installs it, whatever the environment says."""
    from huggingface_hub.utils._runtime import is_xet_available

    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", False)
    assert is_xet_available()


@pytest.fixture
def alice(hub) -> HfApi:
    return HfApi(endpoint=hub.url, token=hub.tokens["alice"])


@pytest.fixture
def repo_id(alice, request) -> str:
    return alice.create_repo(f"alice/{request.node.name[:50]}-{os.urandom(3).hex()}").repo_id


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def xorb_bytes(hub: LiveHub) -> int:
    """Bytes of every xorb the hub stores."""
    root = hub.data_dir / "xet" / "xorbs" / "default"
    return sum(path.stat().st_size for path in root.glob("*/*"))


def lfs_files(api: HfApi, repo_id: str, revision: str | None = None) -> dict[str, tuple]:
    tree = api.list_repo_tree(repo_id, recursive=True, revision=revision)
    return {f.path: (f.lfs.sha256, f.lfs.size) for f in tree if getattr(f, "lfs", None)}


def test_upload_file_of_an_lfs_sized_file_lands_in_a_commit(hub, alice, repo_id, tmp_path):
    data = os.urandom(12 * MiB)
    before = xorb_bytes(hub)

    info = alice.upload_file(path_or_fileobj=data, path_in_repo="model.bin", repo_id=repo_id)

    assert lfs_files(alice, repo_id) == {"model.bin": (sha256(data), len(data))}
    assert alice.model_info(repo_id).sha == info.oid
    assert xorb_bytes(hub) - before >= len(data)  # stored as xorbs, not as an LFS blob
    path = hf_hub_download(repo_id, "model.bin", endpoint=hub.url, cache_dir=tmp_path)
    assert Path(path).read_bytes() == data


def test_upload_folder_sends_every_lfs_file_through_xet(alice, repo_id, tmp_path):
    folder = tmp_path / "folder"
    (folder / "shards").mkdir(parents=True)
    files = {
        "shards/part-0.safetensors": os.urandom(3 * MiB),
        "shards/part-1.safetensors": os.urandom(2 * MiB + 17),
        "weights.bin": bytes(range(256)) * 4096,
        "config.json": b'{"hidden_size": 8}',
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)

    alice.upload_folder(folder_path=folder, repo_id=repo_id)

    assert lfs_files(alice, repo_id) == {
        name: (sha256(data), len(data)) for name, data in files.items() if name != "config.json"
    }


def test_create_commit_with_create_pr_lets_an_outsider_open_a_pull_request(hub, alice, repo_id):
    charlie = HfApi(endpoint=hub.url, token=hub.tokens["charlie"])
    data = os.urandom(3 * MiB)
    head = alice.model_info(repo_id).sha

    commit = charlie.create_commit(
        repo_id,
        operations=[CommitOperationAdd("proposal.bin", data)],
        commit_message="A proposal",
        create_pr=True,
    )

    assert commit.pr_num == 1
    assert lfs_files(alice, repo_id, "refs/pr/1") == {"proposal.bin": (sha256(data), len(data))}
    assert alice.model_info(repo_id).sha == head


def test_a_revision_changing_a_tenth_of_the_bytes_stores_about_a_tenth(hub, alice, repo_id):
    rng = random.Random(7)
    tensors = [rng.randbytes(2 * MiB) for _ in range(10)]
    alice.upload_file(path_or_fileobj=b"".join(tensors), path_in_repo="model.bin",
                      repo_id=repo_id)  # fmt: skip
    before = xorb_bytes(hub)
    tensors[4] = rng.randbytes(2 * MiB)
    edited = b"".join(tensors)

    alice.upload_file(path_or_fileobj=edited, path_in_repo="model.bin", repo_id=repo_id)

    growth = xorb_bytes(hub) - before
    assert 2 * MiB <= growth <= 1.3 * 2 * MiB
    assert lfs_files(alice, repo_id) == {"model.bin": (sha256(edited), len(edited))}


_UPLOAD = """
import sys
from huggingface_hub import HfApi
url, token, repo_id, path = sys.argv[1:]
HfApi(endpoint=url, token=token).upload_file(path_or_fileobj=path, path_in_repo="model.bin",
                                             repo_id=repo_id)
"""


def upload_from_another_machine(hub, token: str, repo_id: str, path: Path, cache: Path) -> None:
    """upload_file in a process of its own, with an hf_xet cache of its own (nothing in it)."""
    env = {**os.environ, "HF_XET_CACHE": str(cache), "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
    run = subprocess.run([sys.executable, "-c", _UPLOAD, hub.url, token, repo_id, str(path)],
                         env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr


def test_a_client_with_an_empty_cache_reuses_the_chunks_of_readable_files(
    hub, alice, repo_id, tmp_path
):
    """Global deduplication: another machine, or another user who may read the repo."""
    rng = random.Random(8)
    tensors = [rng.randbytes(2 * MiB) for _ in range(10)]
    model = tmp_path / "model.bin"
    model.write_bytes(b"".join(tensors))
    upload_from_another_machine(hub, hub.tokens["alice"], repo_id, model, tmp_path / "a")
    before = xorb_bytes(hub)
    tensors[6] = rng.randbytes(2 * MiB)
    model.write_bytes(b"".join(tensors))
    charlie = HfApi(endpoint=hub.url, token=hub.tokens["charlie"])
    fork = charlie.create_repo("charlie/fork").repo_id

    upload_from_another_machine(hub, hub.tokens["charlie"], fork, model, tmp_path / "b")

    assert 2 * MiB <= xorb_bytes(hub) - before <= 1.3 * 2 * MiB
    assert lfs_files(charlie, fork) == {"model.bin": (sha256(model.read_bytes()), 20 * MiB)}


@pytest.fixture(scope="module")
def s3_hub(hub, tmp_path_factory):
    """A hub whose LFS objects and xorbs live in a bucket (moto's S3 server)."""
    from tests.production.conftest import S3Server

    server = S3Server()
    env = server.bucket_env()
    live = LiveHub(tmp_path_factory.mktemp("xet-s3-hub"), **env).start().add_accounts()
    live.keys = lambda: server.keys(env["HUB_S3_BUCKET"], "xorbs/")
    yield live
    live.close()
    server.stop()


def test_with_a_bucket_the_xorbs_live_in_it_and_xet_reads_come_from_it(s3_hub, tmp_path):
    api = HfApi(endpoint=s3_hub.url, token=s3_hub.tokens["alice"])
    repo_id = api.create_repo("alice/in-a-bucket").repo_id
    data = os.urandom(5 * MiB)

    api.upload_file(path_or_fileobj=data, path_in_repo="model.bin", repo_id=repo_id)

    assert sum(s3_hub.keys().values()) >= len(data)
    assert not (s3_hub.data_dir / "xet" / "xorbs").exists()
    assert lfs_files(api, repo_id) == {"model.bin": (sha256(data), len(data))}
    path = hf_hub_download(repo_id, "model.bin", endpoint=s3_hub.url, cache_dir=tmp_path)
    assert Path(path).read_bytes() == data
    # Through Xet: the reconstruction's links were the bucket's presigned GETs.
    log = "".join(s3_hub.output)
    assert "GET /xet-cas/v2/reconstructions/" in log
    assert "/xet-cas/v1/xorb-data/" not in log
