"""History with the real client: GET .../commits/{rev} (newest first, paginated, formatted) and
POST .../super-squash/{branch}."""

import re

import pytest
from huggingface_hub.errors import RevisionNotFoundError

from tests.contract.conftest import make_repo, wire
from tests.contract.helpers import commit_files, read_text

pytestmark = pytest.mark.live


def test_list_repo_commits_lists_newest_first_down_to_the_initial_commit(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    api = alice.api(hub)
    first = commit_files(api, repo_id, {"a.txt": "a"}, message="first", description="why a")
    second = commit_files(api, repo_id, {"b.txt": "b"}, message="second")

    commits = api.list_repo_commits(repo_id)

    assert [c.title for c in commits] == ["second", "first", "initial commit"]
    assert [c.commit_id for c in commits[:2]] == [second.oid, first.oid]
    assert commits[1].message == "why a"
    assert all(c.authors == ["alice"] for c in commits)
    assert all(c.created_at.tzinfo is not None for c in commits)
    assert commits[0].formatted_title is None


def test_list_repo_commits_follows_pages_past_50_commits(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    api = alice.api(hub)
    made = [
        commit_files(api, repo_id, {"n.txt": str(n)}, message=f"commit {n}").oid for n in range(60)
    ]

    commits = api.list_repo_commits(repo_id)
    with wire(hub, alice) as client:
        first_page = client.get(f"/api/models/{repo_id}/commits/main")

    assert len(commits) == 61
    assert [c.commit_id for c in commits[:60]] == made[::-1]
    assert commits[-1].title == "initial commit"
    assert len(first_page.json()) == 50
    assert re.fullmatch(
        rf'<{re.escape(hub.url)}/api/models/\S+>; rel="next"', first_page.headers["Link"]
    )


def test_formatted_commits_carry_the_title_and_message_as_html(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    api = alice.api(hub)
    commit_files(api, repo_id, {"a.txt": "a"}, message="Add <a>", description="line one\nline two")

    latest = api.list_repo_commits(repo_id, formatted=True)[0]

    assert latest.title == "Add <a>"
    assert "&lt;a&gt;" in latest.formatted_title and "<a>" not in latest.formatted_title
    assert "line one" in latest.formatted_message and "line two" in latest.formatted_message


def test_a_formatted_commit_message_escapes_html_from_the_committer(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    api = alice.api(hub)
    description = "Fixes <script>alert(1)</script> & more"
    commit_files(api, repo_id, {"a.txt": "a"}, message="Fix", description=description)

    latest = api.list_repo_commits(repo_id, formatted=True)[0]

    assert latest.message == description
    assert "<script>" not in latest.formatted_message
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in latest.formatted_message


def test_commits_of_a_branch_list_that_branchs_history(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    api = alice.api(hub)
    commit_files(api, repo_id, {"a.txt": "a"}, message="on main")
    api.create_branch(repo_id, branch="side")
    commit_files(api, repo_id, {"b.txt": "b"}, message="on side", revision="side")
    commit_files(api, repo_id, {"c.txt": "c"}, message="main again")

    side = [c.title for c in api.list_repo_commits(repo_id, revision="side")]

    assert side == ["on side", "on main", "initial commit"]


def test_commits_of_a_missing_revision_are_revision_not_found(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)

    with pytest.raises(RevisionNotFoundError):
        alice.api(hub).list_repo_commits(repo_id, revision="nowhere")


def test_super_squash_history_leaves_one_commit_with_the_same_files(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    api = alice.api(hub)
    for n in range(3):
        commit_files(api, repo_id, {f"f{n}.txt": f"content {n}"}, message=f"commit {n}")
    files_before = sorted(api.list_repo_files(repo_id))

    api.super_squash_history(repo_id, commit_message="squashed")

    commits = api.list_repo_commits(repo_id)
    assert [c.title for c in commits] == ["squashed"]
    assert api.model_info(repo_id).sha == commits[0].commit_id
    assert sorted(api.list_repo_files(repo_id)) == files_before
    assert read_text(api, repo_id, "f1.txt") == "content 1"


def test_super_squash_of_a_branch_leaves_main_alone(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    api = alice.api(hub)
    commit_files(api, repo_id, {"a.txt": "a"}, message="on main")
    api.create_branch(repo_id, branch="side")
    commit_files(api, repo_id, {"b.txt": "b"}, message="on side", revision="side")

    api.super_squash_history(repo_id, branch="side")

    side = api.list_repo_commits(repo_id, revision="side")
    assert len(side) == 1 and side[0].title.startswith("Super-squash branch 'side'")
    assert sorted(api.list_repo_files(repo_id, revision="side")) == [
        ".gitattributes",
        "a.txt",
        "b.txt",
    ]
    assert [c.title for c in api.list_repo_commits(repo_id)] == ["on main", "initial commit"]


def test_super_squash_works_on_a_pull_request_ref(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    api = alice.api(hub)
    commit_files(api, repo_id, {"a.txt": "a"}, message="PR one", create_pr=True)
    commit_files(api, repo_id, {"b.txt": "b"}, message="PR two", revision="refs/pr/1")

    api.super_squash_history(repo_id, branch="refs/pr/1", commit_message="PR squashed")

    assert [c.title for c in api.list_repo_commits(repo_id, revision="refs/pr/1")] == [
        "PR squashed"
    ]
    assert read_text(api, repo_id, "b.txt", revision="refs/pr/1") == "b"
    assert [c.title for c in api.list_repo_commits(repo_id)] == ["initial commit"]
