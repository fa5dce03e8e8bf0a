"""Pull requests and discussions with the real client: commit?create_pr=1, POST .../discussions,
commits to refs/pr/N, details, comment, status, title, merge."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from huggingface_hub import CommitOperationAdd
from huggingface_hub.errors import HfHubHTTPError, RevisionNotFoundError

from tests.contract.conftest import make_repo
from tests.contract.helpers import commit_files, read_text

pytestmark = pytest.mark.live


@pytest.fixture
def repo(hub, alice, repo_name):
    """alice's public repo with `shared.txt` on main."""
    repo_id = make_repo(hub, alice, repo_name)
    commit_files(alice.api(hub), repo_id, {"shared.txt": "base\n"}, message="base")
    return repo_id


def _main_sha(hub, alice, repo_id) -> str:
    return alice.api(hub).model_info(repo_id).sha


def test_create_commit_with_create_pr_opens_refs_pr_1_and_leaves_main_alone(hub, alice, repo):
    api = alice.api(hub)
    main_before = _main_sha(hub, alice, repo)

    info = commit_files(api, repo, {"new.txt": "proposed"}, message="Propose", create_pr=True)

    assert info.pr_url == f"{hub.url}/{repo}/discussions/1"
    assert (info.pr_num, info.pr_revision) == (1, "refs/pr/1")
    assert read_text(api, repo, "new.txt", revision="refs/pr/1") == "proposed"
    assert api.model_info(repo, revision="refs/pr/1").sha == info.oid
    assert _main_sha(hub, alice, repo) == main_before
    assert not api.file_exists(repo, "new.txt")
    details = api.get_discussion_details(repo, 1)
    assert (details.title, details.is_pull_request, details.status) == ("Propose", True, "open")


def test_charlie_without_write_access_opens_a_pr_on_alices_public_repo(hub, alice, charlie, repo):
    api = charlie.api(hub)

    info = commit_files(api, repo, {"idea.txt": "from charlie"}, message="Idea", create_pr=True)
    with pytest.raises(HfHubHTTPError) as direct:
        commit_files(api, repo, {"idea.txt": "straight to main"}, message="push")

    assert info.pr_revision == "refs/pr/1"
    assert read_text(api, repo, "idea.txt", revision="refs/pr/1") == "from charlie"
    assert direct.value.response.status_code == 403
    assert alice.api(hub).get_discussion_details(repo, 1).author == "charlie"


def test_charlie_adds_commits_to_his_own_pr_but_cannot_merge_it(hub, alice, charlie, repo):
    api = charlie.api(hub)
    commit_files(api, repo, {"idea.txt": "v1"}, message="Idea", create_pr=True)

    commit_files(api, repo, {"idea.txt": "v2"}, message="Better idea", revision="refs/pr/1")
    with pytest.raises(HfHubHTTPError) as refused:
        api.merge_pull_request(repo, 1)

    assert read_text(api, repo, "idea.txt", revision="refs/pr/1") == "v2"
    assert refused.value.response.status_code == 403
    assert api.get_discussion_details(repo, 1).status == "open"


def test_create_pull_request_opens_a_draft_that_its_first_commit_opens(hub, alice, repo):
    api = alice.api(hub)

    pr = api.create_pull_request(repo, title="  Work in progress ", description="Plan: add a file")
    draft = api.get_discussion_details(repo, pr.num)
    commit_files(api, repo, {"wip.txt": "work"}, message="Add wip", revision=pr.git_reference)

    details = api.get_discussion_details(repo, pr.num)
    assert (pr.num, pr.git_reference, pr.title) == (1, "refs/pr/1", "Work in progress")
    assert draft.status == "draft"
    assert details.status == "open"
    assert [event.type for event in details.events] == ["comment", "commit"]
    assert details.events[0].content == "Plan: add a file"
    assert details.events[1].summary == "Add wip"
    assert read_text(api, repo, "wip.txt", revision="refs/pr/1") == "work"


def test_list_repo_commits_of_refs_pr_1_shows_the_pr_commits_on_their_base(hub, alice, repo):
    api = alice.api(hub)
    commit_files(api, repo, {"x.txt": "x"}, message="PR commit one", create_pr=True)
    commit_files(api, repo, {"y.txt": "y"}, message="PR commit two", revision="refs/pr/1")

    titles = [c.title for c in api.list_repo_commits(repo, revision="refs/pr/1")]

    assert titles == ["PR commit two", "PR commit one", "base", "initial commit"]


def test_get_repo_discussions_lists_newest_first_and_filters_by_kind(hub, alice, repo):
    api = alice.api(hub)
    api.create_pull_request(repo, title="A pull request")
    api.create_discussion(repo, title="A question", description="How does it work?")

    everything = [(d.num, d.title, d.is_pull_request) for d in api.get_repo_discussions(repo)]
    pulls = [d.num for d in api.get_repo_discussions(repo, discussion_type="pull_request")]
    talks = [d.num for d in api.get_repo_discussions(repo, discussion_type="discussion")]

    assert everything == [(2, "A question", False), (1, "A pull request", True)]
    assert (pulls, talks) == ([1], [2])


def test_get_repo_discussions_filters_by_author_and_status(hub, alice, charlie, repo):
    api = alice.api(hub)
    api.create_discussion(repo, title="By alice")
    by_charlie = charlie.api(hub).create_discussion(repo, title="By charlie").num
    api.change_discussion_status(repo, 1, "closed")

    authored = [d.title for d in api.get_repo_discussions(repo, author="charlie")]
    still_open = [d.num for d in api.get_repo_discussions(repo, discussion_status="open")]
    closed = [d.num for d in api.get_repo_discussions(repo, discussion_status="closed")]

    assert authored == ["By charlie"]
    assert (still_open, closed) == ([by_charlie], [1])


def test_a_closed_pr_refuses_commits_until_it_is_reopened(hub, alice, repo):
    api = alice.api(hub)
    pr = commit_files(api, repo, {"a.txt": "a"}, message="A", create_pr=True)
    api.change_discussion_status(repo, pr.pr_num, "closed")

    with pytest.raises(HfHubHTTPError) as refused:
        commit_files(api, repo, {"b.txt": "b"}, message="late", revision=pr.pr_revision)
    api.change_discussion_status(repo, pr.pr_num, "open")
    commit_files(api, repo, {"b.txt": "b"}, message="after reopening", revision=pr.pr_revision)

    assert refused.value.response.status_code == 400
    assert read_text(api, repo, "b.txt", revision=pr.pr_revision) == "b"


def test_pr_details_carry_events_diff_and_target_branch(hub, alice, repo):
    api = alice.api(hub)
    commit_files(api, repo, {"shared.txt": "changed\n"}, message="Change it", create_pr=True)

    details = api.get_discussion_details(repo, 1)

    assert details.target_branch == "refs/heads/main"
    assert details.conflicting_files == []
    assert details.merge_commit_oid is None
    assert "shared.txt" in details.diff
    assert "-base" in details.diff and "+changed" in details.diff
    assert [(e.type, e.author) for e in details.events] == [("commit", "alice")]


def test_comments_renames_and_status_changes_show_up_as_events(hub, alice, bob, repo):
    api = alice.api(hub)
    discussion = api.create_discussion(repo, title="Typo", description="Found a typo")

    comment = bob.api(hub).comment_discussion(repo, discussion.num, "Where?")
    rename = api.rename_discussion(repo, discussion.num, "Typo in README")
    closed = api.change_discussion_status(repo, discussion.num, "closed", comment="Fixed")
    details = api.get_discussion_details(repo, discussion.num)

    assert (comment.content, comment.author) == ("Where?", "bob")
    assert (rename.old_title, rename.new_title) == ("Typo", "Typo in README")
    assert closed.new_status == "closed"
    assert (details.title, details.status) == ("Typo in README", "closed")
    assert [e.type for e in details.events] == [
        "comment",
        "comment",
        "title-change",
        "comment",
        "status-change",
    ]
    assert [e.content for e in details.events if e.type == "comment"] == [
        "Found a typo",
        "Where?",
        "Fixed",
    ]
    reopened = api.change_discussion_status(repo, discussion.num, "open")
    assert reopened.new_status == "open"


def test_charlie_cannot_close_alices_discussion(hub, alice, charlie, repo):
    number = alice.api(hub).create_discussion(repo, title="Mine").num

    with pytest.raises(HfHubHTTPError) as refused:
        charlie.api(hub).change_discussion_status(repo, number, "closed")

    assert refused.value.response.status_code == 403


def test_merging_a_pr_whose_base_has_not_moved_fast_forwards_main(hub, alice, charlie, repo):
    pr = commit_files(charlie.api(hub), repo, {"c.txt": "c"}, message="Add c", create_pr=True)
    api = alice.api(hub)

    api.merge_pull_request(repo, pr.pr_num, comment="Thanks!")

    details = api.get_discussion_details(repo, pr.pr_num)
    assert _main_sha(hub, alice, repo) == pr.oid
    assert details.status == "merged"
    assert details.merge_commit_oid == pr.oid
    assert read_text(api, repo, "c.txt") == "c"
    assert [e.type for e in details.events][-2:] == ["comment", "status-change"]


def test_merging_after_main_moved_makes_a_merge_commit_with_both_changes(hub, alice, repo):
    api = alice.api(hub)
    pr = commit_files(api, repo, {"from-pr.txt": "pr"}, message="PR side", create_pr=True)
    moved = commit_files(api, repo, {"from-main.txt": "main"}, message="Main side")
    diff = api.get_discussion_details(repo, pr.pr_num).diff

    api.merge_pull_request(repo, pr.pr_num)

    history = api.list_repo_commits(repo)
    head = history[0]
    assert "from-pr.txt" in diff and "from-main.txt" not in diff
    assert head.commit_id not in {pr.oid, moved.oid}
    assert {pr.oid, moved.oid} <= {c.commit_id for c in history}
    assert read_text(api, repo, "from-pr.txt") == "pr"
    assert read_text(api, repo, "from-main.txt") == "main"
    assert api.get_discussion_details(repo, pr.pr_num).merge_commit_oid == head.commit_id


def test_a_conflicting_pr_reports_its_files_and_refuses_to_merge_with_409(hub, alice, repo):
    api = alice.api(hub)
    pr = commit_files(api, repo, {"shared.txt": "pr version\n"}, message="PR", create_pr=True)
    main = commit_files(api, repo, {"shared.txt": "main version\n"}, message="Main").oid

    details = api.get_discussion_details(repo, pr.pr_num)
    with pytest.raises(HfHubHTTPError) as refused:
        api.merge_pull_request(repo, pr.pr_num)

    assert details.conflicting_files == ["shared.txt"]
    assert refused.value.response.status_code == 409
    assert "shared.txt" in str(refused.value)
    assert _main_sha(hub, alice, repo) == main
    assert api.get_discussion_details(repo, pr.pr_num).status == "open"


def test_a_merged_pr_takes_no_more_commits(hub, alice, repo):
    api = alice.api(hub)
    pr = commit_files(api, repo, {"a.txt": "a"}, message="A", create_pr=True)
    api.merge_pull_request(repo, pr.pr_num)

    with pytest.raises(HfHubHTTPError) as refused:
        commit_files(api, repo, {"b.txt": "b"}, message="late", revision=pr.pr_revision)

    assert refused.value.response.status_code == 400


def test_upload_folder_with_create_pr_opens_a_pr_with_hf_xet_installed(hub, alice, repo, tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n")
    (tmp_path / "notes.txt").write_text("notes\n")
    api = alice.api(hub)

    info = api.upload_folder(repo_id=repo, folder_path=tmp_path, create_pr=True)

    assert info.pr_revision == "refs/pr/1"
    assert read_text(api, repo, "docs/guide.md", revision="refs/pr/1") == "# Guide\n"
    assert read_text(api, repo, "notes.txt", revision="refs/pr/1") == "notes\n"
    assert not api.file_exists(repo, "notes.txt")
    assert api.get_discussion_details(repo, 1).is_pull_request


def test_upload_folder_with_create_pr_opens_a_pr_with_xet_disabled(
    hub, alice, repo, tmp_path, no_xet
):
    (tmp_path / "weights.bin").write_bytes(bytes(range(256)) * 64)
    (tmp_path / "notes.txt").write_text("notes\n")
    api = alice.api(hub)

    info = api.upload_folder(repo_id=repo, folder_path=tmp_path, create_pr=True)

    assert info.pr_revision == "refs/pr/1"
    files = {f.path: f for f in api.list_repo_tree(repo, revision="refs/pr/1")}
    assert files["weights.bin"].lfs is not None and files["weights.bin"].size == 256 * 64
    assert read_text(api, repo, "notes.txt", revision="refs/pr/1") == "notes\n"
    assert not api.file_exists(repo, "weights.bin")


def test_a_pr_can_target_another_branch_and_merges_there(hub, alice, repo):
    api = alice.api(hub)
    api.create_branch(repo, branch="release")
    main_before = _main_sha(hub, alice, repo)

    pr = api.create_commit(
        repo,
        [CommitOperationAdd("release.txt", b"r")],
        commit_message="For release",
        revision="release",
        create_pr=True,
    )
    details = api.get_discussion_details(repo, pr.pr_num)
    api.merge_pull_request(repo, pr.pr_num)

    assert details.target_branch == "refs/heads/release"
    assert read_text(api, repo, "release.txt", revision="release") == "r"
    assert _main_sha(hub, alice, repo) == main_before


def test_a_pr_against_a_commit_sha_is_revision_not_found(hub, alice, repo):
    api = alice.api(hub)
    sha = _main_sha(hub, alice, repo)

    with pytest.raises(RevisionNotFoundError):
        commit_files(api, repo, {"x.txt": "x"}, revision=sha, create_pr=True)

    assert list(api.get_repo_discussions(repo)) == []


def test_a_pr_commit_refused_for_a_stale_parent_leaves_no_pull_request_behind(hub, alice, repo):
    api = alice.api(hub)
    stale = _main_sha(hub, alice, repo)
    commit_files(api, repo, {"moved.txt": "main moved on"})

    with pytest.raises(HfHubHTTPError) as refused:
        api.create_commit(
            repo,
            [CommitOperationAdd("late.txt", b"late")],
            commit_message="Too late",
            create_pr=True,
            parent_commit=stale,
        )

    assert refused.value.response.status_code == 412
    assert list(api.get_repo_discussions(repo)) == []
    assert api.list_repo_refs(repo, include_pull_requests=True).pull_requests == []


def test_prs_opened_at_the_same_time_get_their_own_numbers_and_refs(hub, alice, bob, charlie, repo):
    people = [alice, bob, charlie] * 4

    def open_pr(index: int):
        api = people[index].api(hub)
        return commit_files(api, repo, {f"pr{index}.txt": str(index)}, create_pr=True)

    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        opened = list(pool.map(open_pr, range(len(people))))

    assert sorted(info.pr_num for info in opened) == list(range(1, len(people) + 1))
    api = alice.api(hub)
    for index, info in enumerate(opened):
        files = api.list_repo_files(repo, revision=info.pr_revision)
        assert [f for f in files if f.startswith("pr")] == [f"pr{index}.txt"]
