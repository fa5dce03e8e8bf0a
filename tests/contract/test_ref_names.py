"""Branch and tag names git would refuse, and refs that would clash on disk, through the real
client and the raw API: a 400 or a 409 with a clear message and an X-Error-Code, never a 500,
and no ref made."""

import pytest
from huggingface_hub.errors import HfHubHTTPError

from tests.contract.conftest import make_repo, wire

pytestmark = pytest.mark.live

BAD_NAMES = {
    "HEAD": "HEAD",
    "at sign alone": "@",
    "leading dash": "-dev",
    "dot dot": "a..b",
    "at brace": "a@{1}",
    "hidden component": "feature/.hidden",
    "lock suffix": "wip.lock",
    "lock component": "wip.lock/x",
    "trailing dot": "v1.",
    "trailing slash": "release/",
    "double slash": "a//b",
    "space": "with space",
    "tilde": "a~1",
    "caret": "a^",
    "colon": "a:b",
    "question mark": "a?",
    "star": "a*",
    "bracket": "a[",
    "backslash": "a\\b",
    "control character": "bell\x07",
    "NUL": "nul\x00byte",
    "full ref name": "refs/heads/x",
    "too long": "x" * 251,
}


@pytest.fixture(scope="module")
def repo_id(hub, alice) -> str:
    """alice's repo that no test here may change: every request below is refused."""
    return make_repo(hub, alice, "ref-names-contract")


@pytest.fixture
def fresh_repo(hub, alice, repo_name) -> str:
    return make_repo(hub, alice, repo_name)


def _refs(api, repo_id) -> tuple[list[str], list[str]]:
    refs = api.list_repo_refs(repo_id)
    return sorted(b.name for b in refs.branches), sorted(t.name for t in refs.tags)


def _refused(call) -> HfHubHTTPError:
    with pytest.raises(HfHubHTTPError) as refused:
        call()
    return refused.value


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_a_branch_name_git_would_refuse_is_a_400_invalid_name(hub, alice, repo_id, name):
    api = alice.api(hub)

    refused = _refused(lambda: api.create_branch(repo_id, branch=name))

    assert refused.response.status_code == 400
    assert refused.response.headers["X-Error-Code"] == "InvalidName"
    assert "Invalid reference for a branch" in refused.response.json()["error"]
    assert _refs(api, repo_id) == (["main"], [])


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_a_tag_name_git_would_refuse_is_a_400_invalid_name(hub, alice, repo_id, name):
    api = alice.api(hub)

    refused = _refused(lambda: api.create_tag(repo_id, tag=name, tag_message="release"))

    assert refused.response.status_code == 400
    assert refused.response.headers["X-Error-Code"] == "InvalidName"
    assert "Invalid reference for a tag" in refused.response.json()["error"]
    assert _refs(api, repo_id) == (["main"], [])


@pytest.mark.parametrize(
    "body",
    [
        b'{"tag": "\\udcff"}',
        b'{"tag": 5}',
        b'{"tag": "v1", "message": ["not", "text"]}',
        b'{"tag": "v1", "message": "broken \\udcff text"}',
    ],
    ids=["lone surrogate", "not a string", "message not a string", "message not valid text"],
)
def test_a_tag_request_that_is_not_text_is_a_400(hub, alice, repo_id, body):
    with wire(hub, alice) as client:
        response = client.post(f"/api/models/{repo_id}/tag/main", content=body,
                               headers={"Content-Type": "application/json"})  # fmt: skip

    assert response.status_code == 400
    assert response.headers["X-Error-Code"] in {"InvalidName", "BadRequest"}
    assert _refs(alice.api(hub), repo_id) == (["main"], [])


@pytest.mark.parametrize(
    "starting_point", [5, ["main"], "main\x00x", "\x07"], ids=["number", "list", "NUL", "bell"]
)
def test_a_starting_point_that_is_not_a_revision_is_a_400(hub, alice, repo_id, starting_point):
    with wire(hub, alice) as client:
        response = client.post(f"/api/models/{repo_id}/branch/dev",
                               json={"startingPoint": starting_point})  # fmt: skip

    assert response.status_code == 400
    assert response.headers["X-Error-Code"] == "InvalidName"
    assert _refs(alice.api(hub), repo_id) == (["main"], [])


@pytest.mark.parametrize("what", ["branch", "tag", "super-squash"])
def test_a_ref_name_with_a_nul_never_reaches_main(hub, alice, repo_id, what):
    # libgit2 reads `main%00x` as `main`: deleting or squashing it must not touch main.
    api = alice.api(hub)
    before = api.repo_info(repo_id).sha
    method = "POST" if what == "super-squash" else "DELETE"

    with wire(hub, alice) as client:
        response = client.request(method, f"/api/models/{repo_id}/{what}/main%00x")

    assert response.status_code == 400
    assert response.headers["X-Error-Code"] == "InvalidName"
    assert api.repo_info(repo_id).sha == before


def test_a_branch_inside_an_existing_branch_is_a_409_naming_it(hub, alice, fresh_repo):
    api = alice.api(hub)

    refused = _refused(lambda: api.create_branch(fresh_repo, branch="main/sub"))

    assert refused.response.status_code == 409
    assert refused.response.headers["X-Error-Code"] == "Conflict"
    assert "Cannot create refs/heads/main/sub: refs/heads/main exists" in str(refused)
    assert _refs(api, fresh_repo) == (["main"], [])


def test_a_branch_named_like_a_folder_of_branches_is_a_409_naming_one(hub, alice, fresh_repo):
    api = alice.api(hub)
    api.create_branch(fresh_repo, branch="team/alice")

    refused = _refused(lambda: api.create_branch(fresh_repo, branch="team"))

    assert refused.response.status_code == 409
    assert "Cannot create refs/heads/team: refs/heads/team/alice exists" in str(refused)
    assert _refs(api, fresh_repo) == (["main", "team/alice"], [])


def test_tags_clash_like_branches_and_a_branch_beside_them_is_fine(hub, alice, fresh_repo):
    api = alice.api(hub)
    api.create_tag(fresh_repo, tag="v1", tag_message="first")

    inside = _refused(lambda: api.create_tag(fresh_repo, tag="v1/rc1"))
    api.create_branch(fresh_repo, branch="v1/rc1")

    assert inside.response.status_code == 409
    assert "Cannot create refs/tags/v1/rc1: refs/tags/v1 exists" in str(inside)
    assert _refs(api, fresh_repo) == (["main", "v1/rc1"], ["v1"])


@pytest.mark.parametrize("name", ["x/HEAD", "a@b", "Ünïcode-ß", "release/v1.2.3", "x" * 250])
def test_names_git_takes_still_make_branches_and_tags(hub, alice, fresh_repo, name):
    api = alice.api(hub)

    api.create_branch(fresh_repo, branch=name)
    api.create_tag(fresh_repo, tag=name)

    assert _refs(api, fresh_repo) == (sorted(["main", name]), [name])
    assert api.repo_info(fresh_repo, revision=name).sha == api.repo_info(fresh_repo).sha


@pytest.mark.parametrize("route", ["commit/main%00x", "commit/main%00%2E%2E"])
def test_a_commit_to_a_revision_with_a_nul_is_not_found_and_main_stays(hub, alice, repo_id, route):
    api = alice.api(hub)
    before = api.repo_info(repo_id).sha
    body = b'{"key": "header", "value": {"summary": "x"}}\n'

    with wire(hub, alice) as client:
        response = client.post(f"/api/models/{repo_id}/{route}", content=body,
                               headers={"Content-Type": "application/x-ndjson"})  # fmt: skip

    assert response.status_code == 404
    assert response.headers["X-Error-Code"] == "RevisionNotFound"
    assert api.repo_info(repo_id).sha == before
