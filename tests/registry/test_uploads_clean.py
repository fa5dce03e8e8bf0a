"""Uploads abandoned half-way are removed once their links have expired."""

import hashlib
import os
import time
import uuid

import pytest

from registry.blobs import blob_store
from registry.services.lfs import sign_upload, uploads_abandoned_clean
from registry.services.repos import repo_create

CHUNK = 1024
LINK_SECONDS = 3600


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.HUB_REPOS_DIR = tmp_path / "repos"
    settings.HUB_BLOBS_DIR = tmp_path / "blobs"
    settings.HUB_LFS_MULTIPART_THRESHOLD = CHUNK
    settings.HUB_LFS_MULTIPART_CHUNK_SIZE = CHUNK
    settings.HUB_LFS_LINK_SECONDS = LINK_SECONDS
    blob_store.cache_clear()
    yield
    blob_store.cache_clear()


def backdate(path, seconds: float) -> None:
    """Makes `path` (and what a folder holds) look last written `seconds` ago."""
    stamp = time.time() - seconds
    for entry in [*(path.iterdir() if path.is_dir() else ()), path]:
        os.utime(entry, (stamp, stamp))


def start_upload(client, alice) -> tuple[str, str, object]:
    """alice's two-part upload with its first part sent: (oid, token, staging folder)."""
    repo = repo_create(user=alice, token=None, name=f"w{uuid.uuid4().hex[:6]}",
                       organization=None, repo_type="model", private=False)  # fmt: skip
    data = os.urandom(2 * CHUNK)
    oid, upload_id = hashlib.sha256(data).hexdigest(), uuid.uuid4().hex
    token = sign_upload(repo=repo, oid=oid, size=len(data), upload=upload_id)
    sent = client.put(f"/lfs/part/{oid}/1?token={token}", data=data[:CHUNK],
                      content_type="application/octet-stream")  # fmt: skip
    assert sent.status_code == 200
    return oid, token, blob_store().tmp / "multipart" / upload_id


def test_a_multipart_upload_older_than_a_link_is_removed(client, alice):
    oid, token, folder = start_upload(client, alice)
    backdate(folder, LINK_SECONDS + 60)

    removed = uploads_abandoned_clean()

    assert removed == [str(folder)]
    assert not folder.exists()


def test_a_multipart_upload_still_in_its_link_lifetime_is_kept(client, alice):
    _, _, fresh = start_upload(client, alice)
    _, _, stale = start_upload(client, alice)
    backdate(fresh, LINK_SECONDS - 60)
    backdate(stale, LINK_SECONDS + 60)

    uploads_abandoned_clean()

    assert (fresh / "1.part").stat().st_size == CHUNK
    assert not stale.exists()


def test_an_upload_whose_newest_part_is_recent_is_kept(client, alice):
    _, _, folder = start_upload(client, alice)
    backdate(folder, LINK_SECONDS + 60)
    os.utime(folder / "1.part")  # a part written just now

    assert uploads_abandoned_clean() == []
    assert folder.exists()


def test_a_single_put_left_half_written_is_removed(alice):
    blob_store().tmp.mkdir(parents=True)
    partial = blob_store().tmp / "tmpabandoned"
    partial.write_bytes(b"half an object")
    backdate(partial, LINK_SECONDS + 60)

    removed = uploads_abandoned_clean()

    assert removed == [str(partial)]
    assert not partial.exists()
