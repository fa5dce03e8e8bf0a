"""LFS objects in an S3-compatible bucket (moto's server): the real clients upload straight to
the bucket and download from it, and nothing unverified ever becomes an object."""

import hashlib
import json
import os
import uuid
from pathlib import Path

import httpx2 as httpx
import pytest
from huggingface_hub import HfApi, HfFileSystem, hf_hub_download, snapshot_download

from tests.contract.gitcli import GitCli, remote
from tests.production.conftest import MiB, start_hub

pytestmark = pytest.mark.live

LFS_JSON = "application/vnd.git-lfs+json"


@pytest.fixture(scope="module")
def hub(s3, tmp_path_factory):
    env = s3.bucket_env()
    live = start_hub(
        tmp_path_factory.mktemp("s3-hub"),
        **env,
        HUB_LFS_MULTIPART_THRESHOLD=str(6 * MiB),
        HUB_LFS_MULTIPART_CHUNK_SIZE=str(5 * MiB),
    )
    live.bucket = env["HUB_S3_BUCKET"]
    yield live
    live.close()


@pytest.fixture
def api(hub) -> HfApi:
    return HfApi(endpoint=hub.url, token=hub.tokens["alice"])


@pytest.fixture
def repo(api) -> str:
    return api.create_repo(f"s3-{uuid.uuid4().hex[:8]}").repo_id


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def object_key(oid: str) -> str:
    return f"lfs/{oid[:2]}/{oid[2:4]}/{oid}"


def wire(hub, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=hub.url, headers=headers, timeout=60)


def batch(http: httpx.Client, repo: str, oid: str, size: int) -> dict:
    answer = http.post(
        f"/{repo}.git/info/lfs/objects/batch",
        json={"operation": "upload", "transfers": ["basic", "multipart"],
              "objects": [{"oid": oid, "size": size}], "hash_algo": "sha256"},
        headers={"Accept": LFS_JSON, "Content-Type": LFS_JSON},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()["objects"][0]


def commit_lfs(http: httpx.Client, repo: str, path: str, oid: str, size: int) -> httpx.Response:
    lines = [
        {"key": "header", "value": {"summary": f"add {path}", "description": ""}},
        {"key": "lfsFile", "value": {"path": path, "algo": "sha256", "oid": oid, "size": size}},
    ]
    body = "".join(json.dumps(line) + "\n" for line in lines)
    return http.post(f"/api/models/{repo}/commit/main", content=body,
                     headers={"Content-Type": "application/x-ndjson"})  # fmt: skip


def test_an_lfs_upload_lands_in_the_bucket_and_downloads_byte_for_byte(hub, s3, api, repo):
    data = os.urandom(300_000)
    staged_before = len(s3.keys(hub.bucket, "staging/"))

    api.upload_file(path_or_fileobj=data, path_in_repo="weights.bin", repo_id=repo)
    local = hf_hub_download(repo, "weights.bin", endpoint=hub.url, token=hub.tokens["alice"])

    assert Path(local).read_bytes() == data
    assert s3.keys(hub.bucket, "lfs/")[object_key(sha256(data))] == len(data)
    assert len(s3.keys(hub.bucket, "staging/")) == staged_before


def test_a_large_file_uploads_in_parts_straight_to_the_bucket(hub, s3, api, repo):
    data = os.urandom(13 * MiB)

    api.upload_file(path_or_fileobj=data, path_in_repo="big.safetensors", repo_id=repo)
    folder = snapshot_download(repo, endpoint=hub.url, token=hub.tokens["alice"])

    assert (Path(folder) / "big.safetensors").read_bytes() == data
    assert s3.keys(hub.bucket, "lfs/")[object_key(sha256(data))] == len(data)


def test_the_batch_api_hands_out_the_buckets_presigned_urls(hub, s3, repo):
    with wire(hub, hub.tokens["alice"]) as http:
        single = batch(http, repo, sha256(b"one"), 1 * MiB)
        parts = batch(http, repo, sha256(b"two"), 12 * MiB)

    assert single["actions"]["upload"]["href"].startswith(f"{s3.url}/{hub.bucket}/staging/")
    assert single["actions"]["verify"]["href"].startswith(f"{hub.url}/{repo}.git/")
    upload = parts["actions"]["upload"]
    assert upload["href"].startswith(f"{hub.url}/lfs/complete/")  # the hub completes it
    assert upload["header"]["chunk_size"] == str(5 * MiB)
    assert [key for key in upload["header"] if key.isdigit()] == ["1", "2", "3"]
    assert all(upload["header"][n].startswith(f"{s3.url}/{hub.bucket}/") for n in "123")


def test_a_job_gets_the_hubs_own_links_and_its_upload_lands_in_the_bucket(hub, s3, repo):
    # What a job's relay sends: its HF_ENDPOINT's Host. A job reaches nothing but the hub.
    relay = "127.0.0.1:8080"
    data = os.urandom(12 * MiB)  # over the multipart threshold: still one PUT to the hub
    oid = sha256(data)
    with wire(hub, hub.tokens["alice"]) as http:
        http.headers["Host"] = relay
        upload = batch(http, repo, oid, len(data))["actions"]
        single = upload["upload"]
        assert single["href"].startswith(f"http://{relay}/lfs/upload/{oid}?token=")
        assert "header" not in single
        # The relay forwards to the hub: send to the hub's own address what it would.
        local = single["href"].replace(f"http://{relay}", hub.url)
        assert http.put(local, content=data).status_code == 200
        verify = upload["verify"]["href"].replace(f"http://{relay}", hub.url)
        assert http.post(verify, json={"oid": oid, "size": len(data)}).status_code == 200
        assert commit_lfs(http, repo, "from-job.bin", oid, len(data)).status_code == 200
        download = http.post(
            f"/{repo}.git/info/lfs/objects/batch",
            json={"operation": "download", "objects": [{"oid": oid, "size": len(data)}]},
            headers={"Accept": LFS_JSON, "Content-Type": LFS_JSON},
        ).json()["objects"][0]["actions"]["download"]["href"]
        resolved = http.get(f"/{repo}/resolve/main/from-job.bin")
        fetched = http.get(download.replace(f"http://{relay}", hub.url))

    assert s3.keys(hub.bucket, "lfs/")[object_key(oid)] == len(data)
    assert download.startswith(f"http://{relay}/lfs/objects/{oid}?token=")
    assert (fetched.status_code, fetched.content) == (200, data)
    assert resolved.status_code == 200  # streamed by the hub, not a redirect to the bucket
    assert resolved.content == data


def test_a_download_redirects_to_the_bucket_carrying_the_files_metadata(hub, s3, api, repo):
    data = os.urandom(100_000)
    commit = api.upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id=repo)

    with wire(hub, hub.tokens["alice"]) as http:
        head = http.head(f"/{repo}/resolve/main/w.bin")
        ranged = http.get(f"/{repo}/resolve/main/w.bin", headers={"Range": "bytes=10-19"},
                          follow_redirects=True)  # fmt: skip

    assert head.status_code == 302
    assert head.headers["Location"].startswith(f"{s3.url}/{hub.bucket}/{object_key(sha256(data))}")
    assert head.headers["X-Repo-Commit"] == commit.oid
    assert head.headers["X-Linked-Etag"] == f'"{sha256(data)}"'
    assert head.headers["ETag"] == f'"{sha256(data)}"'
    assert head.headers["X-Linked-Size"] == str(len(data))
    assert ranged.status_code == 206
    assert ranged.content == data[10:20]
    with HfFileSystem(endpoint=hub.url, token=hub.tokens["alice"]).open(f"{repo}/w.bin") as f:
        f.seek(5000)
        assert f.read(300) == data[5000:5300]


def test_a_private_repos_file_redirects_only_for_those_who_can_see_it(hub, api):
    repo = api.create_repo(f"s3-private-{uuid.uuid4().hex[:8]}", private=True).repo_id
    api.upload_file(path_or_fileobj=os.urandom(5000), path_in_repo="w.bin", repo_id=repo)

    with wire(hub, hub.tokens["charlie"]) as http:
        charlie = http.head(f"/{repo}/resolve/main/w.bin")
    with wire(hub) as http:
        anonymous = http.head(f"/{repo}/resolve/main/w.bin")

    assert (charlie.status_code, anonymous.status_code) == (404, 401)
    assert "Location" not in charlie.headers and "Location" not in anonymous.headers


def test_bytes_that_do_not_hash_to_their_oid_never_become_the_object(hub, s3, repo):
    good = os.urandom(50_000)
    oid = sha256(good)
    with wire(hub, hub.tokens["alice"]) as http:
        actions = batch(http, repo, oid, len(good))["actions"]
        put = httpx.put(actions["upload"]["href"], content=os.urandom(len(good)))
        verified = http.post(actions["verify"]["href"], json={"oid": oid, "size": len(good)})
        committed = commit_lfs(http, repo, "w.bin", oid, len(good))

    assert put.status_code == 200
    assert verified.status_code == 400
    assert verified.headers["X-Error-Code"] == "BlobMismatch"
    assert committed.status_code == 400
    assert object_key(oid) not in s3.keys(hub.bucket, "lfs/")


def test_an_upload_is_not_referencable_until_it_is_verified(hub, s3, repo):
    data = os.urandom(40_000)
    oid = sha256(data)
    with wire(hub, hub.tokens["alice"]) as http:
        actions = batch(http, repo, oid, len(data))["actions"]
        assert httpx.put(actions["upload"]["href"], content=data).status_code == 200
        before = commit_lfs(http, repo, "w.bin", oid, len(data))
        verified = http.post(actions["verify"]["href"], json={"oid": oid, "size": len(data)})
        after = commit_lfs(http, repo, "w.bin", oid, len(data))
        served = http.get(f"/{repo}/resolve/main/w.bin", follow_redirects=True)

    assert before.status_code == 400
    assert "does not exist" in before.json()["error"]
    assert verified.status_code == 200
    assert after.status_code == 200, after.text
    assert served.content == data


def test_git_lfs_pushes_and_clones_through_the_bucket(hub, s3, repo, tmp_path):
    git = GitCli(tmp_path / "home")
    url = remote(hub, repo, token=hub.tokens["alice"])
    git("clone", "--quiet", url, str(tmp_path / "work"))
    data = os.urandom(200_000)
    git.commit_files(tmp_path / "work", {"model.bin": data}, "add weights with git")
    git("push", "--quiet", "origin", "main", cwd=tmp_path / "work")
    git("clone", "--quiet", url, str(tmp_path / "again"))

    assert (tmp_path / "again" / "model.bin").read_bytes() == data
    assert object_key(sha256(data)) in s3.keys(hub.bucket, "lfs/")


def test_knowing_a_private_objects_hash_is_not_enough_to_claim_it(hub, api):
    charlie = HfApi(endpoint=hub.url, token=hub.tokens["charlie"])
    private = charlie.create_repo(f"s3-secret-{uuid.uuid4().hex[:8]}", private=True).repo_id
    secret = os.urandom(30_000)
    charlie.upload_file(path_or_fileobj=secret, path_in_repo="s.bin", repo_id=private)
    oid = sha256(secret)
    repo = api.create_repo(f"s3-thief-{uuid.uuid4().hex[:8]}").repo_id
    with wire(hub, hub.tokens["alice"]) as http:
        actions = batch(http, repo, oid, len(secret))["actions"]  # stored, but not hers
        unsent = http.post(actions["verify"]["href"], json={"oid": oid, "size": len(secret)})
        httpx.put(actions["upload"]["href"], content=os.urandom(len(secret)))
        forged = http.post(actions["verify"]["href"], json={"oid": oid, "size": len(secret)})
        committed = commit_lfs(http, repo, "s.bin", oid, len(secret))

    assert (unsent.status_code, unsent.headers["X-Error-Code"]) == (404, "BlobNotReceived")
    assert (forged.status_code, forged.headers["X-Error-Code"]) == (400, "BlobMismatch")
    assert committed.status_code == 400
