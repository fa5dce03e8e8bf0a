"""Commit and pull request diffs stay within HUB_DIFF_MAX_BYTES, and say when they were cut."""

import pytest

from registry.gitstore import Change, GitRepo
from registry.services.commits import commit_create
from registry.services.discussions import discussion_create
from tests.web.conftest import commit_files, make_repo

LIMIT = 4096


@pytest.fixture(autouse=True)
def _small_diffs(settings):
    settings.HUB_DIFF_MAX_BYTES = LIMIT


@pytest.fixture
def repo(alice):
    return make_repo(alice)


def test_a_text_file_larger_than_the_limit_is_summarised_not_shown(client, alice, repo):
    commit_files(repo, alice, {"notes.txt": b"secret line\n" * 1000}, message="Big notes")
    sha = GitRepo(repo.storage_id).resolve("main")

    page = client.get(f"/alice/tiny/commit/{sha}")

    assert page.status_code == 200
    assert b"notes.txt" in page.content
    assert b"Large file changed: too large to show." in page.content
    assert b"secret line" not in page.content


def test_a_commit_over_the_limit_shows_its_first_files_and_a_truncation_note(client, alice, repo):
    files = {f"part-{n:02}.txt": f"line of part {n}\n".encode() * 40 for n in range(20)}
    commit_files(repo, alice, files, message="Many parts")
    sha = GitRepo(repo.storage_id).resolve("main")

    page = client.get(f"/alice/tiny/commit/{sha}")

    assert page.status_code == 200
    assert b"+line of part 0" in page.content
    assert b"part-19.txt" not in page.content
    assert b"Diff truncated: only the first files are shown." in page.content


def test_a_small_commit_is_shown_whole_without_a_note(client, alice, repo):
    commit_files(repo, alice, {"a.txt": b"hello\n"}, message="Small")
    sha = GitRepo(repo.storage_id).resolve("main")

    page = client.get(f"/alice/tiny/commit/{sha}")

    assert b"+hello" in page.content
    assert b"Diff truncated" not in page.content
    assert b"Large file changed" not in page.content


@pytest.fixture
def big_pull_request(alice, repo):
    """alice's pull request #1 adding one large file and twenty small ones."""
    git = GitRepo(repo.storage_id)
    discussion_create(user=alice, token=None, repo=repo, git=git, title="Add data",
                      description="", pull_request=True)  # fmt: skip
    files = {"big.csv": b"x,y\n" * 4000}
    files |= {f"part-{n:02}.txt": f"line of part {n}\n".encode() * 40 for n in range(20)}
    changes = [Change("add", path, git.write_blob(data)) for path, data in files.items()]
    commit_create(user=alice, repo=repo, git=git, ref="refs/pr/1", parent_commit=None,
                  changes=changes, message="Add data\n")  # fmt: skip


def test_a_pull_request_page_shows_a_truncated_diff(client, alice, big_pull_request):
    client.force_login(alice)

    page = client.get("/alice/tiny/discussions/1")

    assert page.status_code == 200
    assert b"Large file changed: too large to show." in page.content
    assert b"x,y" not in page.content
    assert b"Diff truncated: only the first files are shown." in page.content


def test_the_discussion_api_answers_a_bounded_diff_that_says_it_was_cut(
    client, alice, big_pull_request
):
    client.force_login(alice)

    body = client.get("/api/models/alice/tiny/discussions/1").json()

    assert len(body["diff"].encode()) <= LIMIT + 200
    assert "Large files a/big.csv (0 bytes) and b/big.csv (16000 bytes) differ" in body["diff"]
    assert "x,y" not in body["diff"]
    assert body["diff"].splitlines()[-1].startswith("Diff truncated: ")
