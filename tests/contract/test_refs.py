"""Branches and tags with the real client: POST/DELETE .../branch/{b}, POST .../tag/{rev},
DELETE .../tag/{tag}, GET .../refs."""

import pytest
from huggingface_hub.errors import HfHubHTTPError, RevisionNotFoundError

from tests.contract.conftest import make_repo, wire
from tests.contract.helpers import commit_files, read_text

pytestmark = pytest.mark.live


@pytest.fixture
def repo(hub, alice, repo_name):
    """alice's repo with two commits on main: v1 (`first.txt`), then `second.txt`."""
    repo_id = make_repo(hub, alice, repo_name)
    api = alice.api(hub)
    first = commit_files(api, repo_id, {"first.txt": "one"}, message="first").oid
    second = commit_files(api, repo_id, {"second.txt": "two"}, message="second").oid
    return repo_id, first, second


def _branches(api, repo_id) -> dict[str, str]:
    return {ref.name: ref.target_commit for ref in api.list_repo_refs(repo_id).branches}


def _tags(api, repo_id) -> dict[str, str]:
    return {ref.name: ref.target_commit for ref in api.list_repo_refs(repo_id).tags}


def test_it_creates_branches_from_main_a_tag_and_a_sha(hub, alice, repo):
    repo_id, first, second = repo
    api = alice.api(hub)
    api.create_tag(repo_id, tag="v1", revision=first)

    api.create_branch(repo_id, branch="from-main")
    api.create_branch(repo_id, branch="from-tag", revision="v1")
    api.create_branch(repo_id, branch="from-sha", revision=first)

    branches = _branches(api, repo_id)
    assert branches["from-main"] == second
    assert branches["from-tag"] == first
    assert branches["from-sha"] == first
    assert sorted(api.list_repo_files(repo_id, revision="from-tag")) == [
        ".gitattributes",
        "first.txt",
    ]


def test_a_branch_named_feature_slash_x_takes_uploads_and_serves_downloads(hub, alice, repo):
    repo_id, _, _ = repo
    api = alice.api(hub)
    api.create_branch(repo_id, branch="feature/x")

    api.upload_file(
        path_or_fileobj=b"on the feature branch",
        path_in_repo="feature.txt",
        repo_id=repo_id,
        revision="feature/x",
    )

    assert read_text(api, repo_id, "feature.txt", revision="feature/x") == "on the feature branch"
    assert "feature/x" in _branches(api, repo_id)
    assert api.model_info(repo_id, revision="feature/x").sha == _branches(api, repo_id)["feature/x"]
    assert not api.file_exists(repo_id, "feature.txt")


def test_a_branch_with_a_slash_can_be_tagged_and_deleted(hub, alice, repo):
    repo_id, _, _ = repo
    api = alice.api(hub)
    api.create_branch(repo_id, branch="feature/y")
    head = commit_files(api, repo_id, {"y.txt": "y"}, revision="feature/y").oid

    api.create_tag(repo_id, tag="y-release", revision="feature/y")
    api.delete_branch(repo_id, branch="feature/y")

    assert "feature/y" not in _branches(api, repo_id)
    assert _tags(api, repo_id)["y-release"] == head
    assert read_text(api, repo_id, "y.txt", revision="y-release") == "y"


def test_creating_an_existing_branch_is_a_409_reference_already_exists(hub, alice, repo):
    repo_id, _, _ = repo
    api = alice.api(hub)
    api.create_branch(repo_id, branch="dev")

    with pytest.raises(HfHubHTTPError) as again:
        api.create_branch(repo_id, branch="dev")
    with pytest.raises(HfHubHTTPError) as main:
        api.create_branch(repo_id, branch="main")
    api.create_branch(repo_id, branch="dev", exist_ok=True)

    assert again.value.response.status_code == 409
    assert "Reference refs/heads/dev already exists" in str(again.value)
    assert main.value.response.status_code == 409
    assert "Reference refs/heads/main already exists" in str(main.value)


def test_a_branch_may_share_its_name_with_a_tag(hub, alice, repo):
    repo_id, first, second = repo
    api = alice.api(hub)
    api.create_tag(repo_id, tag="same", revision=first)

    api.create_branch(repo_id, branch="same")

    assert _branches(api, repo_id)["same"] == second
    assert _tags(api, repo_id)["same"] == first


def test_a_pull_request_ref_is_not_a_valid_branch_name(hub, alice, repo):
    repo_id, _, _ = repo

    with pytest.raises(HfHubHTTPError) as refused:
        alice.api(hub).create_branch(repo_id, branch="refs/pr/5")

    assert refused.value.response.status_code == 400
    assert "Invalid reference for a branch" in str(refused.value)


def test_deleting_a_missing_branch_says_invalid_rev_id(hub, alice, repo):
    repo_id, _, _ = repo

    with pytest.raises(HfHubHTTPError) as refused:
        alice.api(hub).delete_branch(repo_id, branch="never-made")

    assert "Invalid rev id" in str(refused.value)


def test_main_cannot_be_deleted(hub, alice, repo):
    repo_id, _, second = repo
    api = alice.api(hub)

    with pytest.raises(HfHubHTTPError) as refused:
        api.delete_branch(repo_id, branch="main")

    assert "Cannot delete refs/heads/main" in str(refused.value)
    assert _branches(api, repo_id)["main"] == second


def test_a_deleted_branch_is_gone_from_refs_and_downloads(hub, alice, repo):
    repo_id, _, _ = repo
    api = alice.api(hub)
    api.create_branch(repo_id, branch="short-lived")

    api.delete_branch(repo_id, branch="short-lived")

    assert "short-lived" not in _branches(api, repo_id)
    with pytest.raises(RevisionNotFoundError):
        api.model_info(repo_id, revision="short-lived")


def test_charlie_cannot_create_a_branch_on_alices_repo(hub, charlie, repo):
    repo_id, _, _ = repo

    with pytest.raises(HfHubHTTPError) as refused:
        charlie.api(hub).create_branch(repo_id, branch="charlies")

    assert refused.value.response.status_code == 403


def test_it_tags_main_by_default(hub, alice, repo):
    repo_id, _, second = repo
    api = alice.api(hub)

    api.create_tag(repo_id, tag="v2", tag_message="second release")

    assert _tags(api, repo_id)["v2"] == second
    assert api.model_info(repo_id, revision="v2").sha == second


def test_a_tag_on_a_7_character_sha_points_at_the_full_commit(hub, alice, repo):
    repo_id, first, _ = repo
    api = alice.api(hub)

    api.create_tag(repo_id, tag="short", revision=first[:7])

    assert _tags(api, repo_id)["short"] == first
    assert api.model_info(repo_id, revision="short").sha == first
    assert sorted(api.list_repo_files(repo_id, revision="short")) == [".gitattributes", "first.txt"]


def test_a_tag_on_refs_pr_1_points_at_the_pull_requests_head(hub, alice, repo):
    repo_id, _, second = repo
    api = alice.api(hub)
    pr = commit_files(api, repo_id, {"proposed.txt": "in the PR"}, message="pr", create_pr=True)
    assert pr.pr_revision == "refs/pr/1"

    api.create_tag(repo_id, tag="pr-snapshot", revision="refs/pr/1")

    assert _tags(api, repo_id)["pr-snapshot"] == pr.oid != second
    assert read_text(api, repo_id, "proposed.txt", revision="pr-snapshot") == "in the PR"


def test_tagging_a_missing_revision_is_revision_not_found(hub, alice, repo):
    repo_id, _, _ = repo

    with pytest.raises(RevisionNotFoundError):
        alice.api(hub).create_tag(repo_id, tag="nowhere", revision="no-such-branch")


def test_a_tag_with_a_slash_is_created_read_and_deleted(hub, alice, repo):
    repo_id, first, _ = repo
    api = alice.api(hub)

    api.create_tag(repo_id, tag="release/v1", revision=first)
    tagged = read_text(api, repo_id, "first.txt", revision="release/v1")
    api.delete_tag(repo_id, tag="release/v1")

    assert tagged == "one"
    assert "release/v1" not in _tags(api, repo_id)


def test_creating_an_existing_tag_is_a_409_that_exist_ok_swallows(hub, alice, repo):
    repo_id, first, _ = repo
    api = alice.api(hub)
    api.create_tag(repo_id, tag="v1", revision=first)

    with pytest.raises(HfHubHTTPError) as again:
        api.create_tag(repo_id, tag="v1")
    api.create_tag(repo_id, tag="v1", exist_ok=True)

    assert again.value.response.status_code == 409
    assert _tags(api, repo_id)["v1"] == first


def test_a_deleted_tag_is_revision_not_found(hub, alice, repo):
    repo_id, first, _ = repo
    api = alice.api(hub)
    api.create_tag(repo_id, tag="v1", revision=first, tag_message="annotated")

    api.delete_tag(repo_id, tag="v1")

    assert "v1" not in _tags(api, repo_id)
    with pytest.raises(RevisionNotFoundError):
        api.model_info(repo_id, revision="v1")
    with pytest.raises(RevisionNotFoundError):
        api.delete_tag(repo_id, tag="v1")


def test_list_repo_refs_lists_branches_tags_converts_and_pull_requests(hub, alice, repo):
    repo_id, first, second = repo
    api = alice.api(hub)
    api.create_branch(repo_id, branch="dev", revision=first)
    api.create_tag(repo_id, tag="v1", revision=first)
    pr = commit_files(api, repo_id, {"p.txt": "p"}, message="proposal", create_pr=True)

    plain = api.list_repo_refs(repo_id)
    with_prs = api.list_repo_refs(repo_id, include_pull_requests=True)

    assert {(b.name, b.ref, b.target_commit) for b in plain.branches} == {
        ("main", "refs/heads/main", second),
        ("dev", "refs/heads/dev", first),
    }
    assert [(t.name, t.ref, t.target_commit) for t in plain.tags] == [("v1", "refs/tags/v1", first)]
    assert plain.converts == []
    assert plain.pull_requests is None
    assert [(p.name, p.ref, p.target_commit) for p in with_prs.pull_requests] == [
        ("1", "refs/pr/1", pr.oid)
    ]


def test_refs_of_a_new_repo_carry_every_key_even_when_empty(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)

    with wire(hub, alice) as client:
        body = client.get(f"/api/models/{repo_id}/refs", params={"include_prs": 1}).json()

    assert body["converts"] == [] and body["tags"] == [] and body["pullRequests"] == []
    assert [branch["name"] for branch in body["branches"]] == ["main"]


def test_refs_answer_for_the_repo_id_in_any_case_as_repo_ids_are_case_insensitive(hub, alice, repo):
    repo_id, first, second = repo
    api = alice.api(hub)
    shouted = repo_id.upper()

    api.create_branch(shouted, branch="loud", revision=first)
    api.create_tag(shouted, tag="loud-tag")

    assert _branches(api, repo_id)["loud"] == first
    assert _tags(api, shouted)["loud-tag"] == second
    assert [c.commit_id for c in api.list_repo_commits(shouted)][0] == second
