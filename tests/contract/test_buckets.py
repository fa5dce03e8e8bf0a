"""Storage Buckets with the stock client: create, list, upload (hf_xet to the Xet store,
then the batch), list files, download, delete files and buckets; private ones are their
namespace's, and `hf buckets` works the same way."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from huggingface_hub.errors import BucketNotFoundError

from tests.contract.conftest import wire

pytestmark = pytest.mark.live

HF = str(Path(sys.executable).with_name("hf"))


def test_alice_uploads_lists_downloads_and_deletes_bucket_files(
    hub, alice, charlie, anonymous, repo_name, tmp_path, with_xet
):
    api = alice.api(hub)
    url = api.create_bucket(repo_name, private=True)
    bucket_id = f"alice/{repo_name}"
    assert url.bucket_id == bucket_id
    assert api.create_bucket(repo_name, exist_ok=True).bucket_id == bucket_id
    weights = os.urandom(300_000)
    (tmp_path / "weights.bin").write_bytes(weights)
    api.batch_bucket_files(
        bucket_id,
        add=[(tmp_path / "weights.bin", "models/weights.bin"), (b"hello bucket", "notes.txt")],
    )
    info = api.bucket_info(bucket_id)
    assert (info.private, info.total_files, info.size) == (True, 2, len(weights) + 12)
    top = {(entry.type, entry.path) for entry in api.list_bucket_tree(bucket_id)}
    assert top == {("directory", "models"), ("file", "notes.txt")}
    everything = {entry.path: entry for entry in api.list_bucket_tree(bucket_id, recursive=True)}
    assert set(everything) == {"models/weights.bin", "notes.txt"}
    assert everything["models/weights.bin"].size == len(weights)
    api.download_bucket_files(
        bucket_id,
        files=[("models/weights.bin", tmp_path / "out.bin"), ("notes.txt", tmp_path / "n.txt")],
    )
    assert (tmp_path / "out.bin").read_bytes() == weights
    assert (tmp_path / "n.txt").read_bytes() == b"hello bucket"
    assert bucket_id in [b.id for b in api.list_buckets()]

    outsider = charlie.api(hub)
    with pytest.raises(BucketNotFoundError):
        outsider.bucket_info(bucket_id)
    for persona in (charlie, anonymous):
        with wire(hub, persona) as client:
            for answer in (
                client.get(f"/api/buckets/{bucket_id}/tree"),
                client.post(f"/api/buckets/{bucket_id}/paths-info", json={"paths": ["notes.txt"]}),
                client.get(f"/api/buckets/{bucket_id}/xet-read-token"),
                client.get(f"/buckets/{bucket_id}/resolve/notes.txt"),
            ):
                assert answer.status_code in {401, 404}, answer.url
                assert b"hello bucket" not in answer.content
    assert bucket_id not in [b.id for b in outsider.list_buckets(namespace="alice")]
    with pytest.raises(BucketNotFoundError):
        outsider.batch_bucket_files(bucket_id, delete=["notes.txt"])

    with wire(hub, alice) as client:  # a plain HTTP reader gets the bytes too
        assert client.get(f"/buckets/{bucket_id}/resolve/notes.txt").content == b"hello bucket"
    api.batch_bucket_files(bucket_id, delete=["notes.txt"])
    assert [e.path for e in api.list_bucket_tree(bucket_id, recursive=True)] == [
        "models/weights.bin"
    ]
    api.delete_bucket(bucket_id)
    with pytest.raises(BucketNotFoundError):
        api.bucket_info(bucket_id)


def test_a_batch_cannot_name_a_file_uploaded_elsewhere(hub, alice, charlie, repo_name, with_xet):
    api = alice.api(hub)
    api.create_bucket(repo_name, private=True)
    api.batch_bucket_files(f"alice/{repo_name}", add=[(b"alice's secret", "secret.txt")])
    known_hash = next(iter(api.list_bucket_tree(f"alice/{repo_name}"))).xet_hash
    charlie.api(hub).create_bucket(repo_name)
    line = {"type": "addFile", "path": "x.txt", "xetHash": known_hash, "mtime": 0}
    with wire(hub, charlie) as client:
        answer = client.post(
            f"/api/buckets/charlie/{repo_name}/batch",
            content=json.dumps(line).encode() + b"\n",
            headers={"Content-Type": "application/x-ndjson"},
        )
    assert answer.status_code == 422
    assert answer.json()["failed"] == [
        {"path": "x.txt", "error": "No file with this xetHash was uploaded to this bucket"}
    ]
    assert list(charlie.api(hub).list_bucket_tree(f"charlie/{repo_name}")) == []


def test_hf_buckets_commands(hub, alice, repo_name, tmp_path, with_xet):
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": alice.token, "NO_COLOR": "1"}

    def hf(*args: str) -> str:
        done = subprocess.run([HF, *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    bucket = f"alice/{repo_name}"
    hf("buckets", "create", bucket)
    assert bucket in hf("buckets", "list")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    hf("buckets", "cp", str(tmp_path / "data.csv"), f"hf://buckets/{bucket}/data.csv")
    assert "data.csv" in hf("buckets", "list", bucket)
    hf("buckets", "cp", f"hf://buckets/{bucket}/data.csv", str(tmp_path / "back.csv"))
    assert (tmp_path / "back.csv").read_text() == "a,b\n1,2\n"
    hf("buckets", "rm", f"{bucket}/data.csv", "--yes")
    hf("buckets", "delete", bucket, "--yes")
    assert bucket not in hf("buckets", "list")
