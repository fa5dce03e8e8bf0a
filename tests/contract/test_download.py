"""Downloading with the real client and on the wire: HEAD|GET /{repo}/resolve/{rev}/{path}."""

import os
from pathlib import Path

import pytest
from huggingface_hub import CommitOperationAdd, hf_hub_download, snapshot_download
from huggingface_hub.errors import EntryNotFoundError, RevisionNotFoundError

from tests.contract.conftest import git_blob_sha1, make_repo, sha256, wire, xet_disabled

pytestmark = pytest.mark.live

CONFIG = b'{"model_type": "tiny", "hidden_size": 8}\n'
WEIGHTS = os.urandom(300 * 1024)
FILES = {
    "config.json": CONFIG,
    "weights.bin": WEIGHTS,
    "nested/a.txt": b"first nested file\n",
    "nested/deeper/b.txt": b"second nested file\n",
}


@pytest.fixture(scope="module")
def repo(hub, alice) -> tuple[str, str]:
    """A public repo holding FILES; returns (repo_id, commit sha)."""
    repo_id = make_repo(hub, alice, "download-contract")
    with xet_disabled():
        info = alice.api(hub).create_commit(repo_id, commit_message="files", operations=[
            CommitOperationAdd(path, data) for path, data in FILES.items()
        ])  # fmt: skip
    return repo_id, info.oid


def fetch(hub, repo_id, filename, tmp_path, **kwargs) -> bytes:
    path = hf_hub_download(repo_id, filename, endpoint=hub.url, token=False,
                           cache_dir=tmp_path / "cache", **kwargs)  # fmt: skip
    return Path(path).read_bytes()


@pytest.mark.parametrize("filename", ["config.json", "weights.bin"])
def test_it_downloads_a_file_from_a_branch(hub, repo, tmp_path, filename):
    repo_id, sha = repo

    path = hf_hub_download(repo_id, filename, revision="main", endpoint=hub.url, token=False,
                           cache_dir=tmp_path)  # fmt: skip

    assert Path(path).read_bytes() == FILES[filename]
    assert f"snapshots/{sha}/{filename}" in path


@pytest.mark.parametrize("filename", ["config.json", "weights.bin"])
def test_it_downloads_a_file_by_full_commit_sha(hub, alice, repo, tmp_path, filename):
    repo_id, sha = repo
    alice.api(hub).upload_file(path_or_fileobj=b"moves main", path_in_repo="later.txt",
                               repo_id=repo_id)  # fmt: skip

    assert fetch(hub, repo_id, filename, tmp_path, revision=sha) == FILES[filename]


def test_a_short_sha_resolves_to_the_full_commit(hub, alice, repo, tmp_path):
    repo_id, sha = repo

    assert alice.api(hub).model_info(repo_id, revision=sha[:7]).sha == sha
    assert fetch(hub, repo_id, "weights.bin", tmp_path, revision=sha[:7]) == WEIGHTS


def test_snapshot_download_fetches_only_the_allowed_patterns(hub, repo, tmp_path):
    repo_id, sha = repo

    folder = Path(snapshot_download(repo_id, revision=sha, allow_patterns="nested/*",
                                    endpoint=hub.url, token=False, cache_dir=tmp_path))  # fmt: skip

    got = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert got == {path: data for path, data in FILES.items() if path.startswith("nested/")}


@pytest.mark.parametrize("filename", ["config.json", "weights.bin"])
def test_a_range_request_resumes_from_an_offset(hub, anonymous, repo, filename):
    repo_id, sha = repo
    data, offset = FILES[filename], len(FILES[filename]) // 3

    with wire(hub, anonymous) as client:
        response = client.get(f"/{repo_id}/resolve/{sha}/{filename}",
                              headers={"Range": f"bytes={offset}-"})  # fmt: skip

    assert response.status_code == 206
    assert response.content == data[offset:]
    assert response.headers["Content-Range"] == f"bytes {offset}-{len(data) - 1}/{len(data)}"


@pytest.mark.parametrize("filename", ["config.json", "weights.bin"])
def test_a_suffix_range_returns_the_last_bytes(hub, anonymous, repo, filename):
    repo_id, sha = repo

    with wire(hub, anonymous) as client:
        response = client.get(f"/{repo_id}/resolve/{sha}/{filename}",
                              headers={"Range": "bytes=-10"})  # fmt: skip

    assert response.status_code == 206
    assert response.content == FILES[filename][-10:]


@pytest.mark.parametrize("filename", ["config.json", "weights.bin"])
def test_a_range_past_the_end_is_416(hub, anonymous, repo, filename):
    repo_id, sha = repo
    size = len(FILES[filename])

    with wire(hub, anonymous) as client:
        response = client.get(f"/{repo_id}/resolve/{sha}/{filename}",
                              headers={"Range": f"bytes={size}-"})  # fmt: skip

    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{size}"


def test_head_of_a_regular_file_carries_what_the_client_caches_by(hub, anonymous, repo):
    repo_id, _ = repo

    with wire(hub, anonymous) as client:
        main = client.get(f"/api/models/{repo_id}/revision/main").json()["sha"]
        response = client.head(f"/{repo_id}/resolve/main/config.json",
                               headers={"Accept-Encoding": "identity"})  # fmt: skip

    assert response.status_code == 200
    assert response.headers["X-Repo-Commit"] == main
    assert response.headers["ETag"] == f'"{git_blob_sha1(CONFIG)}"'
    assert response.headers["X-Linked-Size"] == str(len(CONFIG))
    assert response.headers["Content-Length"] == str(len(CONFIG))
    assert response.headers["Accept-Ranges"] == "bytes"


def test_head_of_an_lfs_file_links_its_sha256_and_size(hub, anonymous, repo):
    repo_id, sha = repo

    with wire(hub, anonymous) as client:
        response = client.head(f"/{repo_id}/resolve/{sha}/weights.bin",
                               headers={"Accept-Encoding": "identity"})  # fmt: skip

    assert response.status_code == 200
    assert response.headers["X-Repo-Commit"] == sha
    assert response.headers["X-Linked-Etag"] == f'"{sha256(WEIGHTS)}"'
    assert response.headers["X-Linked-Size"] == str(len(WEIGHTS))
    assert response.headers["Content-Length"] == str(len(WEIGHTS))
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["ETag"]


@pytest.mark.parametrize("method", ["HEAD", "GET"])
def test_a_missing_file_is_entry_not_found_at_the_resolved_commit(hub, anonymous, repo, method):
    repo_id, sha = repo

    with wire(hub, anonymous) as client:
        response = client.request(method, f"/{repo_id}/resolve/{sha}/missing.json")

    assert response.status_code == 404
    assert response.headers["X-Error-Code"] == "EntryNotFound"
    assert response.headers["X-Repo-Commit"] == sha


def test_the_client_reports_a_missing_file_as_entry_not_found(hub, repo, tmp_path):
    repo_id, _ = repo

    with pytest.raises(EntryNotFoundError):
        fetch(hub, repo_id, "missing.json", tmp_path)


def test_a_missing_revision_is_revision_not_found(hub, alice, repo, tmp_path):
    repo_id, _ = repo

    with wire(hub, alice) as client:
        response = client.head(f"/{repo_id}/resolve/no-such-branch/config.json")

    assert response.status_code == 404
    assert response.headers["X-Error-Code"] == "RevisionNotFound"
    with pytest.raises(RevisionNotFoundError):
        fetch(hub, repo_id, "config.json", tmp_path, revision="no-such-branch")
    with pytest.raises(RevisionNotFoundError):
        alice.api(hub).model_info(repo_id, revision="no-such-branch")


def test_it_downloads_from_a_dataset_repo(hub, alice, repo_name, tmp_path, no_xet):
    repo_id = make_repo(hub, alice, repo_name, repo_type="dataset")
    rows = os.urandom(2048)
    alice.api(hub).upload_file(path_or_fileobj=rows, path_in_repo="data/train.parquet",
                               repo_id=repo_id, repo_type="dataset")  # fmt: skip

    assert fetch(hub, repo_id, "data/train.parquet", tmp_path, repo_type="dataset") == rows


@pytest.mark.parametrize(
    "filename",
    ["with space/and unicode é.txt", "subfolder/to?/awful?filename%you:should,never.give"],
)
def test_it_downloads_a_file_with_an_awkward_name(hub, alice, repo_name, tmp_path, filename):
    repo_id = make_repo(hub, alice, repo_name)
    alice.api(hub).upload_file(path_or_fileobj=b"awkward", path_in_repo=filename,
                               repo_id=repo_id)  # fmt: skip

    assert fetch(hub, repo_id, filename, tmp_path) == b"awkward"


def test_a_folder_is_not_a_downloadable_entry(hub, anonymous, repo):
    repo_id, sha = repo

    with wire(hub, anonymous) as client:
        response = client.head(f"/{repo_id}/resolve/{sha}/nested")

    assert response.status_code == 404
    assert response.headers["X-Error-Code"] == "EntryNotFound"


@pytest.mark.parametrize("name", ["resolve", "tree"])
def test_a_repo_named_like_a_route_word_downloads_and_lists(hub, alice, tmp_path, name):
    repo_id = make_repo(hub, alice, name)
    alice.api(hub).upload_file(path_or_fileobj=b"named", path_in_repo="a.txt", repo_id=repo_id)

    assert fetch(hub, repo_id, "a.txt", tmp_path) == b"named"
    assert sorted(alice.api(hub).list_repo_files(repo_id)) == [".gitattributes", "a.txt"]
