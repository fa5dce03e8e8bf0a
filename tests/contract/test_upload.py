"""Uploading with the real client: preupload, Git LFS batch (basic and multipart), commit."""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from huggingface_hub import (
    CommitOperationAdd,
    CommitOperationCopy,
    CommitOperationDelete,
    hf_hub_download,
)
from huggingface_hub.errors import HfHubHTTPError

from tests.contract.conftest import (
    MULTIPART_CHUNK,
    lfs_batch,
    make_repo,
    sha256,
    wire,
)

pytestmark = pytest.mark.live

MiB = 1024 * 1024


def download(hub, persona, repo_id, filename, tmp_path, **kwargs) -> bytes:
    path = hf_hub_download(repo_id, filename, endpoint=hub.url, token=persona.token,
                           cache_dir=tmp_path / "cache", **kwargs)  # fmt: skip
    with open(path, "rb") as handle:
        return handle.read()


def tree(hub, persona, repo_id) -> dict:
    entries = persona.api(hub).list_repo_tree(repo_id, recursive=True)
    return {entry.path: entry for entry in entries}


def test_the_stock_client_uploads_a_small_file_as_a_regular_file(
    hub, alice, repo_name, tmp_path, with_xet
):
    """Regular-mode files never touch Xet, so the stock client needs no setting."""
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)

    info = api.upload_file(path_or_fileobj=b'{"hidden": 8}', path_in_repo="config.json",
                           repo_id=repo_id)  # fmt: skip

    assert info.oid == api.model_info(repo_id).sha
    assert info.commit_url == f"{hub.url}/{repo_id}/commit/{info.oid}"
    assert download(hub, alice, repo_id, "config.json", tmp_path) == b'{"hidden": 8}'
    assert tree(hub, alice, repo_id)["config.json"].lfs is None


def test_it_uploads_a_bin_file_through_git_lfs(hub, alice, repo_name, tmp_path, no_xet):
    data = os.urandom(MiB)
    repo_id = make_repo(hub, alice, repo_name)

    alice.api(hub).upload_file(path_or_fileobj=data, path_in_repo="weights.bin", repo_id=repo_id)

    assert download(hub, alice, repo_id, "weights.bin", tmp_path) == data
    entry = tree(hub, alice, repo_id)["weights.bin"]
    assert (entry.size, entry.lfs.sha256, entry.lfs.size) == (len(data), sha256(data), len(data))


def test_it_uploads_a_large_lfs_file_in_parts(hub, alice, repo_name, tmp_path, no_xet):
    data = os.urandom(7 * MiB)
    repo_id = make_repo(hub, alice, repo_name)
    with wire(hub, alice) as client:
        offered = lfs_batch(client, repo_id, [(sha256(data), len(data))]).json()
    upload = offered["objects"][0]["actions"]["upload"]

    alice.api(hub).upload_file(path_or_fileobj=data, path_in_repo="model.safetensors",
                               repo_id=repo_id)  # fmt: skip

    assert upload["header"]["chunk_size"] == str(MULTIPART_CHUNK)
    assert sorted(key for key in upload["header"] if key.isdigit()) == ["1", "2", "3", "4"]
    assert download(hub, alice, repo_id, "model.safetensors", tmp_path) == data


def test_uploading_the_same_content_again_makes_no_new_commit(hub, alice, repo_name, no_xet):
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)
    files = {"notes.txt": b"same words", "weights.bin": os.urandom(4096)}
    for path, data in files.items():
        api.upload_file(path_or_fileobj=data, path_in_repo=path, repo_id=repo_id)
    sha = api.model_info(repo_id).sha

    for path, data in files.items():
        api.upload_file(path_or_fileobj=data, path_in_repo=path, repo_id=repo_id)

    assert api.model_info(repo_id).sha == sha


def test_upload_folder_deletes_the_remote_files_matching_delete_patterns(
    hub, alice, repo_name, tmp_path, with_xet
):
    """The stock client (hf_xet enabled) takes the pipelined upload path for folders."""
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)
    for path in ("logs/old-1.txt", "logs/old-2.txt", "keep.txt"):
        api.upload_file(path_or_fileobj=path.encode(), path_in_repo=path, repo_id=repo_id)
    folder = tmp_path / "folder"
    (folder / "logs").mkdir(parents=True)
    (folder / "logs" / "new.txt").write_bytes(b"fresh log")
    (folder / "README.md").write_bytes(b"# hello\n")

    api.upload_folder(folder_path=folder, repo_id=repo_id, delete_patterns="logs/*")

    assert sorted(api.list_repo_files(repo_id)) == [
        ".gitattributes", "README.md", "keep.txt", "logs/new.txt",
    ]  # fmt: skip
    assert download(hub, alice, repo_id, "logs/new.txt", tmp_path) == b"fresh log"


def test_upload_folder_without_xet_sends_bin_files_through_lfs(
    hub, alice, repo_name, tmp_path, no_xet
):
    data = os.urandom(64 * 1024)
    folder = tmp_path / "folder"
    (folder / "ckpt").mkdir(parents=True)
    (folder / "ckpt" / "step-1.bin").write_bytes(data)
    (folder / "config.json").write_bytes(b"{}")
    repo_id = make_repo(hub, alice, repo_name)

    alice.api(hub).upload_folder(folder_path=folder, repo_id=repo_id)

    entries = tree(hub, alice, repo_id)
    assert entries["ckpt/step-1.bin"].lfs.sha256 == sha256(data)
    assert entries["config.json"].lfs is None
    assert download(hub, alice, repo_id, "ckpt/step-1.bin", tmp_path) == data


def test_create_commit_adds_and_deletes_files_and_folders_in_one_commit(
    hub, alice, repo_name, tmp_path, no_xet
):
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)
    api.create_commit(repo_id, commit_message="seed", operations=[
        CommitOperationAdd(path, path.encode())
        for path in ("drop.txt", "keep.txt", "runs/a/1.txt", "runs/b/2.txt", "runs/c.txt")
    ])  # fmt: skip
    weights = os.urandom(8192)

    info = api.create_commit(repo_id, commit_message="reshape", operations=[
        CommitOperationAdd("added.txt", b"added"),
        CommitOperationAdd("weights.bin", weights),
        CommitOperationDelete("drop.txt"),
        CommitOperationDelete("runs/", is_folder=True),
    ])  # fmt: skip

    assert sorted(api.list_repo_files(repo_id)) == [
        ".gitattributes", "added.txt", "keep.txt", "weights.bin",
    ]  # fmt: skip
    assert api.model_info(repo_id).sha == info.oid
    assert download(hub, alice, repo_id, "weights.bin", tmp_path) == weights


def test_create_commit_copies_regular_and_lfs_files(hub, alice, repo_name, tmp_path, no_xet):
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)
    weights = os.urandom(8192)
    api.create_commit(repo_id, commit_message="seed", operations=[
        CommitOperationAdd("notes.txt", b"copy me"),
        CommitOperationAdd("weights.bin", weights),
    ])  # fmt: skip

    api.create_commit(repo_id, commit_message="copy", operations=[
        CommitOperationCopy("notes.txt", "backup/notes.txt"),
        CommitOperationCopy("weights.bin", "backup/weights.bin"),
    ])  # fmt: skip

    entries = tree(hub, alice, repo_id)
    assert entries["backup/notes.txt"].blob_id == entries["notes.txt"].blob_id
    assert entries["backup/weights.bin"].lfs.sha256 == sha256(weights)
    assert download(hub, alice, repo_id, "backup/notes.txt", tmp_path) == b"copy me"
    assert download(hub, alice, repo_id, "backup/weights.bin", tmp_path) == weights


def test_a_commit_on_a_stale_parent_is_refused_with_412(hub, alice, repo_name):
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)
    stale = api.model_info(repo_id).sha
    moved = api.upload_file(path_or_fileobj=b"one", path_in_repo="a.txt", repo_id=repo_id)

    with pytest.raises(HfHubHTTPError) as refused:
        api.upload_file(path_or_fileobj=b"two", path_in_repo="b.txt", repo_id=repo_id,
                        parent_commit=stale)  # fmt: skip

    assert refused.value.response.status_code == 412
    assert "The branch was updated" in str(refused.value)
    assert api.model_info(repo_id).sha == moved.oid


def test_a_commit_on_the_current_parent_succeeds(hub, alice, repo_name):
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)
    parent = api.model_info(repo_id).sha

    info = api.upload_file(path_or_fileobj=b"one", path_in_repo="a.txt", repo_id=repo_id,
                           parent_commit=parent)  # fmt: skip

    assert api.model_info(repo_id).sha == info.oid != parent


def test_it_uploads_to_a_dataset_repo(hub, alice, repo_name, tmp_path, no_xet):
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name, repo_type="dataset")
    image = os.urandom(4096)

    api.upload_file(path_or_fileobj=image, path_in_repo="images/cat.png", repo_id=repo_id,
                    repo_type="dataset")  # fmt: skip

    entry = next(iter(api.get_paths_info(repo_id, ["images/cat.png"], repo_type="dataset")))
    assert entry.lfs.sha256 == sha256(image)
    assert download(hub, alice, repo_id, "images/cat.png", tmp_path, repo_type="dataset") == image


def test_it_uploads_a_regular_file_larger_than_a_default_request_body(hub, alice, repo_name,
                                                                       tmp_path):  # fmt: skip
    """3 MiB of text is a regular file: it travels base64 inside the NDJSON commit body."""
    text = os.urandom(3 * MiB // 2).hex().encode()
    repo_id = make_repo(hub, alice, repo_name)

    alice.api(hub).upload_file(path_or_fileobj=text, path_in_repo="big.txt", repo_id=repo_id)

    assert tree(hub, alice, repo_id)["big.txt"].lfs is None
    assert download(hub, alice, repo_id, "big.txt", tmp_path) == text


def test_an_empty_bin_file_is_stored_as_a_regular_file(hub, alice, repo_name, tmp_path, no_xet):
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)

    api.upload_file(path_or_fileobj=b"", path_in_repo="empty.bin", repo_id=repo_id)

    sibling = next(s for s in api.model_info(repo_id, files_metadata=True).siblings
                   if s.rfilename == "empty.bin")  # fmt: skip
    assert (sibling.size, sibling.lfs) == (0, None)
    assert download(hub, alice, repo_id, "empty.bin", tmp_path) == b""


def test_a_pattern_added_to_gitattributes_sends_matching_files_to_lfs(
    hub, alice, repo_name, tmp_path, no_xet
):
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)
    attributes = download(hub, alice, repo_id, ".gitattributes", tmp_path)
    api.upload_file(path_or_fileobj=attributes + b"*.png filter=lfs diff=lfs merge=lfs -text\n",
                    path_in_repo=".gitattributes", repo_id=repo_id)  # fmt: skip
    image = b"not really a png but text"

    api.upload_file(path_or_fileobj=image, path_in_repo="cat.png", repo_id=repo_id)

    assert tree(hub, alice, repo_id)["cat.png"].lfs.sha256 == sha256(image)
    assert download(hub, alice, repo_id, "cat.png", tmp_path) == image


def test_deleting_a_folder_by_its_name_without_a_slash_deletes_it(hub, alice, repo_name):
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)
    api.create_commit(repo_id, commit_message="seed", operations=[
        CommitOperationAdd("runs/1.txt", b"1"), CommitOperationAdd("runs/deep/2.txt", b"2"),
    ])  # fmt: skip

    api.create_commit(repo_id, commit_message="drop", operations=[CommitOperationDelete("runs")])

    assert api.list_repo_files(repo_id) == [".gitattributes"]


def test_concurrent_commits_without_a_parent_all_land(hub, alice, repo_name):
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)
    paths = [f"worker-{n}.txt" for n in range(6)]

    def upload(path):
        return api.upload_file(path_or_fileobj=path.encode(), path_in_repo=path, repo_id=repo_id)

    with ThreadPoolExecutor(max_workers=len(paths)) as pool:
        list(pool.map(upload, paths))

    assert sorted(api.list_repo_files(repo_id)) == [".gitattributes", *paths]
