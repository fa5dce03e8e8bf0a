"""Multipart LFS uploads through the hub: each part has the size the upload plan gave it."""

import hashlib
import os
import uuid

import pytest

from registry.blobs import blob_store
from registry.services.lfs import sign_upload
from registry.services.repos import repo_create

CHUNK = 1024
SIZE = 2 * CHUNK + 100  # two full parts and a last part of 100 bytes


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.HUB_REPOS_DIR = tmp_path / "repos"
    settings.HUB_BLOBS_DIR = tmp_path / "blobs"
    settings.HUB_LFS_MULTIPART_THRESHOLD = CHUNK
    settings.HUB_LFS_MULTIPART_CHUNK_SIZE = CHUNK
    blob_store.cache_clear()
    yield
    blob_store.cache_clear()


@pytest.fixture
def upload(alice):
    """alice's signed multipart upload of SIZE bytes: (data, oid, token, staging folder)."""
    repo = repo_create(user=alice, token=None, name="weights", organization=None,
                       repo_type="model", private=True)  # fmt: skip
    data = os.urandom(SIZE)
    oid = hashlib.sha256(data).hexdigest()
    upload_id = uuid.uuid4().hex
    token = sign_upload(repo=repo, oid=oid, size=SIZE, upload=upload_id)
    return data, oid, token, blob_store().tmp / "multipart" / upload_id


def put_part(client, oid: str, token: str, number: int, body: bytes):
    return client.put(f"/lfs/part/{oid}/{number}?token={token}", data=body,
                      content_type="application/octet-stream")  # fmt: skip


def staged_sizes(folder) -> list[int]:
    return [path.stat().st_size for path in folder.iterdir()] if folder.exists() else []


def test_a_part_larger_than_the_part_size_is_refused_and_not_stored(client, upload):
    data, oid, token, folder = upload

    response = put_part(client, oid, token, 1, data[:CHUNK] + b"x" * 10 * CHUNK)

    assert response.status_code == 400
    assert response.headers["X-Error-Code"] == "PartSizeMismatch"
    assert not (folder / "1.part").exists()
    assert all(size <= CHUNK for size in staged_sizes(folder))


def test_a_last_part_larger_than_the_rest_of_the_object_is_refused(client, upload):
    data, oid, token, folder = upload

    response = put_part(client, oid, token, 3, data[2 * CHUNK :] + b"x")

    assert response.status_code == 400
    assert response.headers["X-Error-Code"] == "PartSizeMismatch"
    assert not (folder / "3.part").exists()


def test_a_short_part_is_refused(client, upload):
    data, oid, token, folder = upload

    response = put_part(client, oid, token, 1, data[: CHUNK - 1])

    assert response.status_code == 400
    assert response.headers["X-Error-Code"] == "PartSizeMismatch"
    assert not (folder / "1.part").exists()


def test_parts_of_the_planned_sizes_complete_the_object(client, upload):
    data, oid, token, folder = upload
    bodies = [data[:CHUNK], data[CHUNK : 2 * CHUNK], data[2 * CHUNK :]]

    etags = [put_part(client, oid, token, n, body) for n, body in enumerate(bodies, start=1)]
    parts = [{"partNumber": n, "etag": r.headers["ETag"]} for n, r in enumerate(etags, start=1)]
    done = client.post(f"/lfs/complete/{oid}?token={token}", {"oid": oid, "parts": parts},
                       content_type="application/json")  # fmt: skip

    assert [r.status_code for r in etags] == [200, 200, 200]
    assert done.status_code == 200
    assert blob_store().path(oid).read_bytes() == data
    assert not folder.exists()
