"""The one read path: a repo's bytes only for those who see it, an LFS object only for the
repo that owns it, and git blobs streamed in bounded memory."""

import hashlib
import os

import pytest

from registry import errors
from registry.gitstore import Change, GitRepo, pointer_bytes
from registry.repofiles import repo_file_open, repo_files_at
from registry.services.commits import changes_check
from tests.web.conftest import commit_files, commit_lfs, make_repo

SECRET = b"alice's private weights " * 100


@pytest.fixture
def stolen(alice, charlie):
    """A pointer in charlie's public repo to alice's private object, written to git directly
    (as a repository from before the commit rules would hold it)."""
    vault = make_repo(alice, "vault", private=True)
    oid = commit_lfs(vault, alice, "weights.bin", SECRET)
    mirror = make_repo(charlie, "mirror")
    git = GitRepo(mirror.storage_id)
    head = git.resolve("main")
    change = Change("add", "stolen.bin", git.write_blob(pointer_bytes(oid, len(SECRET))))
    sha = git.write_commit(parent=head, changes=[change], message="x\n", author=("c", "c@x"))
    git.update_ref("refs/heads/main", sha, head)
    return vault, mirror, oid


def test_a_pointer_to_an_object_the_repo_does_not_own_reads_as_missing(stolen, charlie):
    _, mirror, _ = stolen

    with pytest.raises(errors.EntryNotFound):
        repo_file_open(user=charlie, repo=mirror, rev="main", path="stolen.bin")


def test_anonymous_raw_and_resolve_never_serve_another_repos_object(stolen, client):
    for url in ["/charlie/mirror/raw/main/stolen.bin", "/charlie/mirror/resolve/main/stolen.bin"]:
        response = client.get(url)

        assert response.status_code == 404
        assert SECRET not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_the_file_page_of_an_unowned_pointer_shows_no_bytes(stolen, client):
    response = client.get("/charlie/mirror/blob/main/stolen.bin")

    assert response.status_code == 200
    assert b"not stored for this repository" in response.content
    assert SECRET[:40] not in response.content


def test_worker_snapshots_leave_out_unowned_objects_and_name_them(stolen):
    _, mirror, _ = stolen

    snapshot = repo_files_at(repo=mirror, sha=GitRepo(mirror.storage_id).resolve("main"))

    assert "stolen.bin" not in [file.path for file in snapshot.files]
    assert snapshot.missing == ["stolen.bin"]


def test_the_owner_reads_her_object_and_charlie_cannot_see_her_repo(stolen, alice, charlie):
    vault, _, _ = stolen

    file = repo_file_open(user=alice, repo=vault, rev="main", path="weights.bin")

    assert b"".join(file.chunks()) == SECRET
    with pytest.raises(errors.RepoNotFound):
        repo_file_open(user=charlie, repo=vault, rev="main", path="weights.bin")


def test_the_commit_service_refuses_a_pointer_however_it_was_written(stolen, charlie):
    _, mirror, oid = stolen
    git = GitRepo(mirror.storage_id)
    change = Change("add", "again.bin", git.write_blob(pointer_bytes(oid, len(SECRET))))

    with pytest.raises(errors.BadRequest, match="LFS pointer pointed to a file"):
        changes_check(user=charlie, repo=mirror, git=git, changes=[change])


def test_a_large_git_file_streams_whole_and_in_ranges(alice, client):
    repo = make_repo(alice, "big")
    data = os.urandom(3 * 1024 * 1024 + 17)
    commit_files(repo, alice, {"notes.txt": data})

    whole = client.get("/alice/big/resolve/main/notes.txt")
    part = client.get("/alice/big/resolve/main/notes.txt", HTTP_RANGE="bytes=2097150-2097160")

    assert whole.status_code == 200 and whole["Content-Length"] == str(len(data))
    assert hashlib.sha256(b"".join(whole.streaming_content)).digest() == (
        hashlib.sha256(data).digest()
    )
    assert part.status_code == 206
    assert b"".join(part.streaming_content) == data[2097150:2097161]
