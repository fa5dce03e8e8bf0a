"""`list_lfs_files` and `permanently_delete_lfs_files` with the real client: the repo's LFS
objects with a path and ref each; deletion rewrites history without their pointers, and the
bytes leave the store once no repo links them (content-addressed blobs are shared)."""

import pytest
from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError

from tests.contract.conftest import make_repo, sha256, wire

pytestmark = [pytest.mark.live, pytest.mark.usefixtures("no_xet")]


def _blob(hub, oid: str):
    return hub.data_dir / "blobs" / oid[:2] / oid[2:4] / oid


@pytest.fixture
def content(repo_name) -> dict[str, bytes]:
    """Bytes of this test's own: the store is shared by every repo of the session hub."""
    return {name: f"{name} of {repo_name}".encode()
            for name in ("lfs_file.bin", "lfs_file_2.bin", "lfs_file_branch.bin")}  # fmt: skip


@pytest.fixture
def repo(hub, alice, repo_name, content):
    """Two LFS files on main, a branch from it with a third: as the client's own test."""
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)
    for name in ("lfs_file.bin", "txt_file.txt", "lfs_file_2.bin"):
        data = content.get(name, b"TXT content")
        api.upload_file(path_or_fileobj=data, path_in_repo=name, repo_id=repo_id)
    api.create_branch(repo_id, branch="my-branch")
    branch_file = content["lfs_file_branch.bin"]
    api.upload_file(path_or_fileobj=branch_file, path_in_repo="lfs_file_branch.bin",
                    repo_id=repo_id, revision="my-branch")  # fmt: skip
    return repo_id


def test_alice_lists_her_repos_lfs_files_with_a_path_and_ref_each(hub, alice, repo, content):
    files = {f.filename: f for f in alice.api(hub).list_lfs_files(repo)}

    assert set(files) == {"lfs_file.bin", "lfs_file_2.bin", "lfs_file_branch.bin"}
    assert files["lfs_file.bin"].ref == "refs/heads/main"
    assert files["lfs_file_branch.bin"].ref == "refs/heads/my-branch"
    assert files["lfs_file.bin"].file_oid == sha256(content["lfs_file.bin"])
    assert files["lfs_file.bin"].size == len(content["lfs_file.bin"])
    assert files["lfs_file.bin"].pushed_at is not None


def test_deleting_mains_lfs_files_removes_them_from_every_ref_and_the_store(
    hub, alice, repo, content
):
    api = alice.api(hub)
    on_main = [f for f in api.list_lfs_files(repo) if f.ref in ("main", "refs/heads/main")]

    api.permanently_delete_lfs_files(repo, on_main)

    assert [f.filename for f in api.list_lfs_files(repo)] == ["lfs_file_branch.bin"]
    assert set(api.list_repo_files(repo)) == {".gitattributes", "txt_file.txt"}
    assert set(api.list_repo_files(repo, revision="my-branch")) == {
        ".gitattributes", "txt_file.txt", "lfs_file_branch.bin"}  # fmt: skip
    with pytest.raises(EntryNotFoundError):
        api.hf_hub_download(repo, "lfs_file.bin")
    assert not _blob(hub, sha256(content["lfs_file.bin"])).exists()
    assert _blob(hub, sha256(content["lfs_file_branch.bin"])).exists()
    # History was rewritten, not truncated: every commit is still there, without the files.
    assert len(api.list_repo_commits(repo)) == 4


def test_bytes_another_repo_still_links_stay_in_the_store(hub, alice, repo, repo_name, content):
    api = alice.api(hub)
    other = make_repo(hub, alice, repo_name + "-other")
    shared = content["lfs_file.bin"]
    api.upload_file(path_or_fileobj=shared, path_in_repo="copy.bin", repo_id=other)

    api.permanently_delete_lfs_files(repo, [f for f in api.list_lfs_files(repo)])

    assert list(api.list_lfs_files(repo)) == []
    assert _blob(hub, sha256(shared)).exists()
    with open(api.hf_hub_download(other, "copy.bin"), "rb") as handle:
        assert handle.read() == shared


def test_without_rewriting_history_the_pointers_read_as_missing_entries(hub, alice, repo):
    api = alice.api(hub)
    first = [f for f in api.list_lfs_files(repo) if f.filename == "lfs_file.bin"]

    api.permanently_delete_lfs_files(repo, first, rewrite_history=False)

    assert "lfs_file.bin" in api.list_repo_files(repo)
    with pytest.raises(EntryNotFoundError):
        api.hf_hub_download(repo, "lfs_file.bin")


def test_charlie_and_read_tokens_can_neither_list_nor_delete(hub, alice, charlie, repo):
    with pytest.raises(HfHubHTTPError) as listing:
        list(charlie.api(hub).list_lfs_files(repo))
    files = list(alice.api(hub).list_lfs_files(repo))
    with pytest.raises(HfHubHTTPError) as deleting:
        alice.api(hub, read_only=True).permanently_delete_lfs_files(repo, files)

    assert listing.value.response.status_code == 403
    assert deleting.value.response.status_code == 403
    assert len(list(alice.api(hub).list_lfs_files(repo))) == 3


def test_a_deletion_names_sha256_object_ids(hub, alice, repo):
    response = wire(hub, alice).post(
        f"/api/models/{repo}/lfs-files/batch", json={"deletions": {"sha": ["../../etc"]}}
    )

    assert response.status_code == 400


def test_files_uploaded_through_xet_are_listed_deleted_and_can_be_uploaded_again(
    hub, alice, repo_name, with_xet
):
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)
    data = f"xet bytes of {repo_name}".encode() * 100
    api.upload_file(path_or_fileobj=data, path_in_repo="weights.bin", repo_id=repo_id)
    listed = list(api.list_lfs_files(repo_id))

    api.permanently_delete_lfs_files(repo_id, listed)

    assert [(f.filename, f.file_oid) for f in listed] == [("weights.bin", sha256(data))]
    assert list(api.list_lfs_files(repo_id)) == []
    assert "weights.bin" not in api.list_repo_files(repo_id)
    api.upload_file(path_or_fileobj=data, path_in_repo="again.bin", repo_id=repo_id)
    with open(api.hf_hub_download(repo_id, "again.bin"), "rb") as handle:
        assert handle.read() == data
