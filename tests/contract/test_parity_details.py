"""What huggingface_hub's own suite asks of a Hub in passing: missing repos and revisions as
the errors it maps, namespace-less ids, relative paths refused, `hf repos ls --limit 0`, and
the card validation messages of `RepoCard.validate` and `create_commit`."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from huggingface_hub import CommitOperationAdd, ModelCard
from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

from tests.contract.conftest import commit_header, file_line, make_repo, ndjson, post_commit, wire

pytestmark = pytest.mark.live


def test_unliking_a_missing_or_namespace_less_repo_is_repository_not_found(hub, alice):
    for repo_id in ("missing_repo_id", "alice/missing_repo_id"):
        with pytest.raises(RepositoryNotFoundError):
            alice.api(hub).unlike(repo_id)


def test_namespace_less_ids_are_repository_not_found(hub, alice):
    api = alice.api(hub)
    with pytest.raises(RepositoryNotFoundError):
        api.list_repo_commits("missing_repo_id")
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("missing_repo_id")
    with pytest.raises(RepositoryNotFoundError):
        api.list_repo_files("missing_repo_id", repo_type="dataset")


def test_an_unknown_route_of_an_existing_repo_stays_a_plain_404(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)

    response = wire(hub, alice).get(f"/api/models/{repo_id}/no-such-route")

    assert response.status_code == 404
    assert response.headers["X-Error-Code"] != "RepoNotFound"


def test_a_commit_to_a_missing_repo_gets_the_clients_exact_message(hub, alice):
    api = alice.api(hub)
    with pytest.raises(RepositoryNotFoundError) as missing:
        api.create_commit("alice/repo_that_do_not_exist", [CommitOperationAdd("c.json", b"{}")],
                          commit_message="fake_message")  # fmt: skip

    request_id = missing.value.response.headers["X-Request-Id"]
    assert str(missing.value).startswith(
        f"404 Client Error. (Request ID: {request_id})\n\nRepository Not Found for url: "
        f"{hub.url}/api/models/alice/repo_that_do_not_exist/preupload/main.\nPlease make sure"
    )
    # The server's words add nothing the client's own text does not already say.
    assert str(missing.value).endswith("Please use `create_repo` if it's not the case.")


def test_a_file_of_a_namespace_less_repo_is_repository_not_found(hub, alice):
    response = wire(hub, alice).head("/repo-that-does-not-exist/resolve/main/file.txt")

    assert (response.status_code, response.headers["X-Error-Code"]) == (404, "RepoNotFound")
    # file_exists answers False for a missing repo, and raises on any other error.
    assert not alice.api(hub).file_exists("repo-that-does-not-exist", "file.txt")


@pytest.mark.parametrize("path", ["./x.txt", "a/../y.txt", "../y.txt", "a/./b.txt"])
def test_relative_paths_are_refused(hub, alice, repo_name, path):
    repo_id = make_repo(hub, alice, repo_name)

    body = ndjson(commit_header(), file_line(path, b"data"))
    response = post_commit(wire(hub, alice), repo_id, body)

    # The Hub's 422 for a path that climbs out with '..', a 400 for the others.
    assert response.status_code == (422 if ".." in path else 400)
    assert alice.api(hub).list_repo_files(repo_id) == [".gitattributes"]


def test_a_tag_on_a_missing_revision_is_revision_not_found(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)

    with pytest.raises(RevisionNotFoundError):
        alice.api(hub).create_tag(repo_id, tag="v1", revision="foobar")
    # The revision is looked up before the tag's name is judged, as on the Hub.
    with pytest.raises(RevisionNotFoundError):
        alice.api(hub).create_tag(repo_id, tag="invalid tag", revision="foobar")
    with pytest.raises(RevisionNotFoundError):
        alice.api(hub).list_repo_commits(repo_id, revision="missing_revision")


def test_hf_repos_ls_limit_0_lists_every_repo_with_its_storage(hub, alice, repo_name, tmp_path):
    model = make_repo(hub, alice, repo_name)
    make_repo(hub, alice, repo_name, repo_type="dataset")
    alice.api(hub).upload_file(repo_id=model, path_in_repo="data.bin", path_or_fileobj=b"x" * 1024)
    hf = str(Path(sys.executable).with_name("hf"))
    env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path), "HF_TOKEN": alice.token,
           "PATH": "/usr/bin:/bin", "HF_HUB_DISABLE_TELEMETRY": "1"}  # fmt: skip

    listed = subprocess.run(
        [hf, "repos", "ls", "--type", "model", "--search", repo_name, "--limit", "0",
         "--format", "json"], env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip

    rows = json.loads(listed.stdout)
    assert [(row["id"], row["type"]) for row in rows] == [(model, "model")]
    assert rows[0]["visibility"] == "public"


def test_a_card_with_an_unknown_license_fails_validation_in_the_hubs_words(hub, monkeypatch):
    monkeypatch.setattr("huggingface_hub.constants.ENDPOINT", hub.url)
    card = ModelCard("---\nlicense: mit\n---\n# Card\n")
    card.validate()

    card.data.license = "asdf"
    with pytest.raises(ValueError, match='- Error: "license" must be one of'):
        card.validate()


def test_a_commit_of_a_card_with_a_bad_model_index_is_refused_before_upload(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    card = b"---\nmodel-index: foo\n---\n\nThis is a modelcard with an invalid metadata section.\n"

    with pytest.raises(ValueError, match="Invalid metadata in README.md"):
        alice.api(hub).create_commit(repo_id, [CommitOperationAdd("README.md", card)],
                                     commit_message="Test commit")  # fmt: skip

    assert alice.api(hub).list_repo_files(repo_id) == [".gitattributes"]
