"""Bucket volumes as huggingface_hub 2.4.0 mounts them: writable unless `read_only=True`
(the client's default for buckets, and how `run_uv_job` mounts a local script's folder).
A writable volume is a scratch copy whose new, changed and deleted files reach the bucket
when the job ends; a read-only one cannot be written."""

from pathlib import Path

import pytest
from huggingface_hub import Volume
from huggingface_hub.errors import HfHubHTTPError

WRITER = """
from pathlib import Path
out = Path("/out")
print("kept:", (out / "kept.txt").read_text())
(out / "changed.txt").write_text("changed by the job")
(out / "gone.txt").unlink()
(out / "results").mkdir()
(out / "results" / "metrics.json").write_text('{"accuracy": 0.9}')
(out / "big.bin").write_bytes(bytes(range(256)) * 1024)
(out / "escape").symlink_to("/etc/passwd")
"""


def finished(api, job_id: str):
    return api.wait_for_job(job_id, timeout=300, poll_interval=0.2)


def bucket_files(api, bucket_id: str) -> dict[str, int]:
    return {
        item.path: item.size
        for item in api.list_bucket_tree(bucket_id, recursive=True)
        if item.type == "file"
    }


def bucket_text(api, bucket_id: str, path: str, folder: Path) -> bytes:
    api.download_bucket_files(bucket_id, files=[(path, str(folder / "got"))])
    return (folder / "got").read_bytes()


def test_a_job_writes_to_a_bucket_volume_and_the_bucket_gets_the_changes(
    hub, alice, repo_name, tmp_path
):
    api = alice.api(hub)
    bucket = f"alice/{repo_name}"
    api.create_bucket(bucket, private=True)
    api.batch_bucket_files(bucket, add=[
        (b"untouched", "run/kept.txt"), (b"before", "run/changed.txt"),
        (b"to delete", "run/gone.txt"), (b"outside the volume", "other.txt"),
    ])  # fmt: skip
    volume = Volume(type="bucket", source=bucket, mount_path="/out", path="run")

    job = api.run_job(image="python:3.12", command=["python", "-c", WRITER], volumes=[volume],
                      namespace="alice")  # fmt: skip
    done = finished(api, job.id)

    lines = list(api.fetch_job_logs(job_id=job.id, namespace="alice"))
    assert done.status.stage == "COMPLETED", (done.status.message, lines)
    assert "kept: untouched" in lines
    assert f"[job] /out: wrote 3 files back to {bucket}/run, deleted 1" in lines
    assert bucket_files(api, bucket) == {
        "other.txt": 18, "run/big.bin": 256 * 1024, "run/changed.txt": 18,
        "run/kept.txt": 9, "run/results/metrics.json": 17,
    }  # fmt: skip
    assert bucket_text(api, bucket, "run/changed.txt", tmp_path) == b"changed by the job"
    assert bucket_text(api, bucket, "run/big.bin", tmp_path) == bytes(range(256)) * 1024


def test_a_read_only_bucket_volume_cannot_be_written(hub, alice, repo_name):
    api = alice.api(hub)
    bucket = f"alice/{repo_name}"
    api.create_bucket(bucket, private=True)
    api.batch_bucket_files(bucket, add=[(b"original", "data.txt")])
    volume = Volume(type="bucket", source=bucket, mount_path="/in", read_only=True)
    script = "open('/in/data.txt', 'w').write('overwritten')"

    job = api.run_job(image="python:3.12", command=["python", "-c", script], volumes=[volume],
                      namespace="alice")  # fmt: skip
    done = finished(api, job.id)

    assert done.status.stage == "ERROR"
    assert "Read-only file system" in done.status.message
    assert bucket_files(api, bucket) == {"data.txt": 8}


def test_a_writable_volume_needs_write_access_to_the_bucket(hub, alice, charlie, repo_name):
    alice.api(hub).create_bucket(repo_name, private=False)
    volume = Volume(type="bucket", source=f"alice/{repo_name}", mount_path="/in")

    with pytest.raises(HfHubHTTPError) as refused:
        charlie.api(hub).run_job(
            image="python:3.12", command=["ls", "/in"], volumes=[volume], namespace="charlie"
        )
    assert refused.value.response.status_code == 403
    read_only = Volume(type="bucket", source=f"alice/{repo_name}", mount_path="/in",
                       read_only=True)  # fmt: skip
    job = charlie.api(hub).run_job(
        image="python:3.12", command=["ls", "/in"], volumes=[read_only], namespace="charlie"
    )
    assert job.volumes[0].read_only is True
