"""Hostile or broken requests on the write path. Each is refused with a status and an
X-Error-Code, and leaves the branch where it was."""

import os

import httpx2 as httpx
import pytest
from huggingface_hub import CommitOperationAdd

from tests.contract.conftest import (
    commit_header,
    file_line,
    head_sha,
    lfs_batch,
    make_repo,
    ndjson,
    post_commit,
    sha256,
    wire,
    xet_disabled,
)

pytestmark = pytest.mark.live

WEIGHTS = os.urandom(4096)

BAD_PATHS = {
    "dot-dot": "../escape.txt",
    "inner dot-dot": "a/../../escape.txt",
    "absolute": "/etc/passwd",
    "git dir": ".git/config",
    "inner git dir": "sub/.git/hooks/post-update",
    "git dir in capitals": ".GIT/config",
    "git dir in mixed case": "sub/.Git/hooks/post-update",
    "NTFS short name": "GIT~1/config",
    "git dir with a trailing dot": ".git./config",
    "git dir with a trailing space": ".git /config",
    "NTFS stream": ".git::$INDEX_ALLOCATION/config",
    "backslash": "sub\\..\\..\\escape.txt",
    "trailing dot": "model.",
    "empty segment": "a//b.txt",
    "NUL": "nul\x00byte.txt",
    "control": "bell\x07.txt",
    "newline": "new\nline.txt",
    "long segment": "x" * 256 + ".txt",
    "long path": "/".join(["d" * 200] * 6),
}


@pytest.fixture(scope="module")
def repo_id(hub, alice) -> str:
    repo_id = make_repo(hub, alice, "bad-input-contract")
    with xet_disabled():
        alice.api(hub).create_commit(repo_id, commit_message="seed", operations=[
            CommitOperationAdd("seed.txt", b"seed"),
            CommitOperationAdd("nested/x.txt", b"x"),
            CommitOperationAdd("weights.bin", WEIGHTS),
        ])  # fmt: skip
    return repo_id


@pytest.fixture
def client(hub, alice):
    with wire(hub, alice) as client:
        yield client


@pytest.fixture
def sha(hub, alice, repo_id) -> str:
    return head_sha(hub, alice, repo_id)


def line_for(key: str, path: str) -> dict:
    if key == "file":
        return file_line(path, b"payload")
    if key == "lfsFile":
        return {"key": key, "value": {"path": path, "algo": "sha256", "oid": sha256(WEIGHTS),
                                      "size": len(WEIGHTS)}}  # fmt: skip
    return {"key": key, "value": {"path": path}}


# Paths that climb out of their folder answer the Hub's 422; every other bad path is a 400.
CLIMBING = {"dot-dot", "inner dot-dot", "backslash"}


def expected_status(path: str) -> int:
    return 422 if path in {BAD_PATHS[name] for name in CLIMBING} else 400


@pytest.mark.parametrize("key", ["file", "lfsFile", "deletedFile", "deletedFolder"])
@pytest.mark.parametrize("path", BAD_PATHS.values(), ids=BAD_PATHS.keys())
def test_a_commit_refuses_a_bad_path(hub, alice, repo_id, client, sha, key, path):
    response = post_commit(client, repo_id, ndjson(commit_header(), line_for(key, path)))

    assert response.status_code == expected_status(path)
    assert response.headers["X-Error-Code"] == "InvalidName"
    assert head_sha(hub, alice, repo_id) == sha


@pytest.mark.parametrize("path", BAD_PATHS.values(), ids=BAD_PATHS.keys())
def test_preupload_refuses_a_bad_path(repo_id, client, path):
    response = client.post(f"/api/models/{repo_id}/preupload/main",
                           json={"files": [{"path": path, "sample": "", "size": 1}]})  # fmt: skip

    assert response.status_code == expected_status(path)
    assert response.headers["X-Error-Code"] == "InvalidName"


def test_resolve_refuses_an_encoded_dot_dot_path(repo_id, client):
    response = client.get(f"/{repo_id}/resolve/main/nested/%2E%2E/%2E%2E/seed.txt")

    assert response.status_code == 422
    assert response.headers["X-Error-Code"] == "InvalidName"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b'{"key": "header", "value": {"summary": "x"}}\n{not json\n',
        b'{"key": "header", "value": {"summary": "x"}}\n"just a string"\n',
        b'{"key": "header", "value": {"summary": "x"}}\n{"key": "file", "value": "x"}\n',
        b'{"key": "header", "value": {"summary": "x"}}\n{"key": "moveFile", "value": {}}\n',
        b'{"key": "header", "value": {"summary": "x"}}\n{"key": "bad\\r\\u0000", "value": {}}\n',
        b'{"key": "header", "value": {"summary": "x", "parentCommit": "not-a-sha"}}\n',
        b"\xff\xfe garbage",
    ],
    ids=["empty", "broken json", "not an object", "value not an object", "unknown key",
         "unknown key with control characters", "bad parent", "binary"],
)  # fmt: skip
def test_a_malformed_commit_payload_is_a_400(hub, alice, repo_id, client, sha, body):
    response = post_commit(client, repo_id, body)

    assert response.status_code == 400
    assert response.headers["X-Error-Code"] == "BadRequest"
    assert head_sha(hub, alice, repo_id) == sha


def test_a_commit_whose_first_line_is_not_the_header_is_a_400(hub, alice, repo_id, client, sha):
    body = ndjson(file_line("early.txt", b"early"), commit_header())

    response = post_commit(client, repo_id, body)

    assert response.status_code == 400
    assert "header" in response.headers["X-Error-Message"]
    assert head_sha(hub, alice, repo_id) == sha


def test_a_file_line_that_is_not_base64_is_a_400(hub, alice, repo_id, client, sha):
    line = {"key": "file", "value": {"path": "a.txt", "content": "%%%", "encoding": "base64"}}

    response = post_commit(client, repo_id, ndjson(commit_header(), line))

    assert response.status_code == 400
    assert head_sha(hub, alice, repo_id) == sha


def test_a_broken_line_after_a_good_one_commits_nothing(hub, alice, repo_id, client, sha):
    body = ndjson(commit_header(), file_line("good.txt", b"good")) + b"{broken\n"

    response = post_commit(client, repo_id, body)

    assert response.status_code == 400
    assert head_sha(hub, alice, repo_id) == sha
    assert client.head(f"/{repo_id}/resolve/main/good.txt").status_code == 404


def test_an_lfs_file_never_uploaded_is_refused(hub, alice, repo_id, client, sha):
    never = os.urandom(100)
    line = {
        "key": "lfsFile",
        "value": {"path": "ghost.bin", "algo": "sha256", "oid": sha256(never), "size": 100},
    }

    response = post_commit(client, repo_id, ndjson(commit_header(), line))

    assert response.status_code == 400
    assert "does not exist" in response.headers["X-Error-Message"]
    assert head_sha(hub, alice, repo_id) == sha


def test_an_lfs_file_with_the_wrong_size_is_refused(hub, alice, repo_id, client, sha):
    line = {
        "key": "lfsFile",
        "value": {
            "path": "lie.bin",
            "algo": "sha256",
            "oid": sha256(WEIGHTS),
            "size": len(WEIGHTS) + 1,
        },
    }

    response = post_commit(client, repo_id, ndjson(commit_header(), line))

    assert response.status_code == 400
    assert head_sha(hub, alice, repo_id) == sha


def test_deleting_a_missing_file_is_entry_not_found(hub, alice, repo_id, client, sha):
    line = {"key": "deletedFile", "value": {"path": "never-there.txt"}}

    response = post_commit(client, repo_id, ndjson(commit_header(), line))

    assert response.status_code == 404
    assert response.headers["X-Error-Code"] == "EntryNotFound"
    assert head_sha(hub, alice, repo_id) == sha


@pytest.mark.parametrize("path", ["nested", "seed.txt/inner.txt"])
def test_a_file_cannot_replace_a_folder_or_live_under_a_file(
    hub, alice, repo_id, client, sha, path
):
    response = post_commit(client, repo_id, ndjson(commit_header(), file_line(path, b"clash")))

    assert response.status_code == 400
    assert head_sha(hub, alice, repo_id) == sha


def test_a_commit_to_a_missing_branch_is_revision_not_found(hub, alice, repo_id, client, sha):
    body = ndjson(commit_header(), file_line("a.txt", b"a"))

    response = post_commit(client, repo_id, body, rev="no-such-branch")

    assert response.status_code == 404
    assert response.headers["X-Error-Code"] == "RevisionNotFound"
    assert head_sha(hub, alice, repo_id) == sha


def signed_put(url: str, data: bytes) -> httpx.Response:
    """A PUT as the client sends it to a signed link: no Authorization header."""
    return httpx.put(url, content=data, timeout=30)


def upload_href(client, repo_id: str, oid: str, size: int) -> str:
    answer = lfs_batch(client, repo_id, [(oid, size)]).json()["objects"][0]
    return answer["actions"]["upload"]["href"]


def still_wanted(client, repo_id: str, oid: str, size: int) -> bool:
    """Whether the batch API still asks for the object's bytes (it is not stored)."""
    return "actions" in lfs_batch(client, repo_id, [(oid, size)]).json()["objects"][0]


def verify(client, repo_id: str, oid: str, size: int) -> int:
    url = f"/{repo_id}.git/info/lfs/objects/verify"
    return client.post(url, json={"oid": oid, "size": size}).status_code


def test_an_upload_whose_bytes_do_not_match_the_sha256_is_not_stored(
    hub, alice, repo_id, client, sha
):
    data = os.urandom(2048)
    oid = sha256(data)
    href = upload_href(client, repo_id, oid, len(data))

    response = signed_put(href, os.urandom(2048))

    assert response.status_code == 400
    assert response.headers["X-Error-Code"] == "BlobMismatch"
    assert still_wanted(client, repo_id, oid, len(data))
    assert verify(client, repo_id, oid, len(data)) == 404
    line = {
        "key": "lfsFile",
        "value": {"path": "forged.bin", "algo": "sha256", "oid": oid, "size": len(data)},
    }
    assert post_commit(client, repo_id, ndjson(commit_header(), line)).status_code == 400
    assert head_sha(hub, alice, repo_id) == sha


def test_a_truncated_upload_is_not_stored(repo_id, client):
    data = os.urandom(2048)
    oid = sha256(data)
    href = upload_href(client, repo_id, oid, len(data))

    response = signed_put(href, data[:1000])

    assert response.status_code == 400
    assert still_wanted(client, repo_id, oid, len(data))
    assert verify(client, repo_id, oid, len(data)) == 404


def test_an_upload_with_extra_bytes_is_not_stored(repo_id, client):
    data = os.urandom(2048)
    oid = sha256(data)
    href = upload_href(client, repo_id, oid, len(data))

    response = signed_put(href, data + b"tail")

    assert response.status_code == 400
    assert still_wanted(client, repo_id, oid, len(data))


def test_a_multipart_upload_whose_parts_do_not_match_is_not_stored(repo_id, client):
    size = 6 * 1024 * 1024
    oid = sha256(os.urandom(size))
    answer = lfs_batch(client, repo_id, [(oid, size)]).json()["objects"][0]
    header = answer["actions"]["upload"]["header"]
    chunk = int(header["chunk_size"])
    parts = []
    for number in range(1, size // chunk + 1):
        put = signed_put(header[str(number)], os.urandom(chunk))
        parts.append({"partNumber": number, "etag": put.headers["ETag"]})

    done = httpx.post(answer["actions"]["upload"]["href"], json={"oid": oid, "parts": parts})

    assert done.status_code == 400
    assert done.headers["X-Error-Code"] == "BlobMismatch"
    assert still_wanted(client, repo_id, oid, size)


def test_a_tampered_upload_link_is_refused(repo_id, client):
    """The link's token ends with `:<signature>`; one changed character voids it."""
    data = os.urandom(512)
    href = upload_href(client, repo_id, sha256(data), len(data))

    head, _, signature = href.rpartition(":")
    forged = f"{head}:{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"

    response = signed_put(forged, data)

    assert response.status_code == 403
    assert still_wanted(client, repo_id, sha256(data), len(data))


@pytest.mark.parametrize(
    "name",
    ["", "-leading-dash", "trailing-dash-", "double--dash", "dot..dot", "ends.git", "sp ace",
     "slash/inside", "x" * 97, "nul\x00", "trailing-newline\n"],
)  # fmt: skip
def test_create_repo_refuses_a_bad_name(client, name):
    response = client.post("/api/repos/create", json={"name": name, "organization": None})

    assert response.status_code == 400
    assert response.headers["X-Error-Code"] == "InvalidName"


def test_create_repo_refuses_an_unknown_type(client, repo_name):
    response = client.post("/api/repos/create", json={"name": repo_name, "type": "kernelz"})

    assert response.status_code == 400
    assert client.get(f"/api/models/alice/{repo_name}").status_code == 404


@pytest.mark.parametrize("rev", ["bad%0Drev", "bad%00rev", "bad%0Arev"])
def test_a_revision_with_control_characters_is_not_found(repo_id, client, rev):
    response = client.get(f"/api/models/{repo_id}/revision/{rev}")

    assert response.status_code == 404
    assert response.headers["X-Error-Code"] == "RevisionNotFound"
