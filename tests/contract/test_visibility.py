"""Who sees and who writes: private repos are invisible (401 anonymous, 404 signed in) on every
route, org members write to their org's repos, read tokens never write."""

import os
from pathlib import Path

import pytest
from huggingface_hub import hf_hub_download
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

from tests.contract.conftest import (
    commit_header,
    file_line,
    head_sha,
    lfs_batch,
    make_repo,
    ndjson,
    post_commit,
    sha256,
    wire,
    xet_disabled,
)

pytestmark = pytest.mark.live

SECRET = b"private bytes"


@pytest.fixture(scope="module")
def private_repo(hub, alice) -> str:
    repo_id = make_repo(hub, alice, "private-contract", private=True)
    alice.api(hub).upload_file(path_or_fileobj=SECRET, path_in_repo="config.json",
                               repo_id=repo_id)  # fmt: skip
    return repo_id


def _requests(repo_id: str) -> dict:
    """One request per route a private repo must hide itself on: (method, url, kwargs)."""
    return {
        "info": ("GET", f"/api/models/{repo_id}", {}),
        "revision info": ("GET", f"/api/models/{repo_id}/revision/main", {}),
        "tree": ("GET", f"/api/models/{repo_id}/tree/main?recursive=true", {}),
        "paths-info": ("POST", f"/api/models/{repo_id}/paths-info/main",
                       {"data": {"paths": ["config.json"]}}),
        "resolve HEAD": ("HEAD", f"/{repo_id}/resolve/main/config.json", {}),
        "resolve GET": ("GET", f"/{repo_id}/resolve/main/config.json", {}),
        "preupload": ("POST", f"/api/models/{repo_id}/preupload/main",
                      {"json": {"files": [{"path": "x.txt", "sample": "eA==", "size": 1}]}}),
        "commit": ("POST", f"/api/models/{repo_id}/commit/main",
                   {"content": ndjson(commit_header(), file_line("x.txt", b"x")),
                    "headers": {"Content-Type": "application/x-ndjson"}}),
        "lfs batch": ("POST", f"/{repo_id}.git/info/lfs/objects/batch",
                      {"json": {"operation": "upload", "transfers": ["basic"],
                                "objects": [{"oid": sha256(b"x"), "size": 1}]},
                       "headers": {"Accept": "application/vnd.git-lfs+json"}}),
    }  # fmt: skip


ROUTES = list(_requests("x/y"))


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("charlie", 404)])
def test_a_private_repo_answers_repo_not_found_to_outsiders(
    hub, request, alice, private_repo, route, who, status
):
    persona = request.getfixturevalue(who)
    method, url, kwargs = _requests(private_repo)[route]
    sha = head_sha(hub, alice, private_repo)

    with wire(hub, persona) as client:
        response = client.request(method, url, **kwargs)

    assert response.status_code == status
    assert response.headers["X-Error-Code"] == "RepoNotFound"
    assert SECRET not in response.content
    assert head_sha(hub, alice, private_repo) == sha


@pytest.mark.parametrize("route", ROUTES)
def test_a_private_repo_looks_exactly_like_a_missing_one_to_charlie(
    hub, charlie, private_repo, route
):
    def send(client, repo_id):
        method, url, kwargs = _requests(repo_id)[route]
        return client.request(method, url, **kwargs)

    with wire(hub, charlie) as client:
        hidden, missing = send(client, private_repo), send(client, "alice/never-created")

    assert (hidden.status_code, hidden.headers["X-Error-Code"]) == (
        missing.status_code, missing.headers["X-Error-Code"],
    )  # fmt: skip


def test_the_client_reports_a_private_repo_as_not_found(
    hub, anonymous, charlie, private_repo, tmp_path
):
    with pytest.raises(RepositoryNotFoundError):
        anonymous.api(hub).model_info(private_repo)
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download(private_repo, "config.json", endpoint=hub.url, token=charlie.token,
                        cache_dir=tmp_path)  # fmt: skip
    with pytest.raises(RepositoryNotFoundError):
        charlie.api(hub).upload_file(path_or_fileobj=b"x", path_in_repo="x.txt",
                                     repo_id=private_repo)  # fmt: skip


def test_bob_reads_and_writes_a_private_acme_repo(hub, alice, bob, repo_name, tmp_path, no_xet):
    repo_id = make_repo(hub, alice, repo_name, namespace="acme", private=True)
    weights = os.urandom(16 * 1024)
    api = bob.api(hub)

    api.upload_file(path_or_fileobj=b"by bob", path_in_repo="notes.txt", repo_id=repo_id)
    api.upload_file(path_or_fileobj=weights, path_in_repo="weights.bin", repo_id=repo_id)

    def fetch(filename):
        return Path(hf_hub_download(repo_id, filename, endpoint=hub.url, token=bob.token,
                                    cache_dir=tmp_path)).read_bytes()  # fmt: skip

    assert fetch("notes.txt") == b"by bob"
    assert fetch("weights.bin") == weights
    assert alice.api(hub).model_info(repo_id).private is True


def test_charlie_cannot_see_a_private_acme_repo(hub, alice, charlie, repo_name):
    repo_id = make_repo(hub, alice, repo_name, namespace="acme", private=True)

    with pytest.raises(RepositoryNotFoundError):
        charlie.api(hub).model_info(repo_id)


def test_charlie_cannot_commit_to_alices_public_repo(hub, alice, charlie, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    sha = head_sha(hub, alice, repo_id)

    with pytest.raises(HfHubHTTPError) as refused:
        charlie.api(hub).upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=repo_id)

    assert refused.value.response.status_code == 403
    assert head_sha(hub, alice, repo_id) == sha


def test_a_read_token_reads_a_private_repo_but_cannot_commit(hub, alice, private_repo):
    api = alice.api(hub, read_only=True)
    sha = api.model_info(private_repo).sha

    with pytest.raises(HfHubHTTPError) as refused:
        api.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=private_repo)

    assert refused.value.response.status_code == 403
    assert api.model_info(private_repo).sha == sha


def test_a_read_token_cannot_ask_to_upload_lfs_objects(hub, alice, private_repo):
    with wire(hub, alice, read_only=True) as client:
        response = lfs_batch(client, private_repo, [(sha256(b"x"), 1)])

    assert response.status_code == 403


def test_a_read_token_cannot_create_a_repo(hub, alice, repo_name):
    with pytest.raises(HfHubHTTPError) as refused:
        alice.api(hub, read_only=True).create_repo(f"alice/{repo_name}")

    assert refused.value.response.status_code == 403
    with pytest.raises(RepositoryNotFoundError):
        alice.api(hub).model_info(f"alice/{repo_name}")


def test_a_private_file_is_served_to_its_owner(hub, alice, private_repo):
    with wire(hub, alice) as client:
        response = client.get(f"/{private_repo}/resolve/main/config.json")

    assert response.content == SECRET


@pytest.fixture(scope="module")
def private_object(hub, alice, private_repo) -> tuple[str, int]:
    """(sha256, size) of an LFS object stored only for alice's private repo."""
    weights = os.urandom(5000)
    with xet_disabled():
        alice.api(hub).upload_file(path_or_fileobj=weights, path_in_repo="secret.bin",
                                   repo_id=private_repo)  # fmt: skip
    return sha256(weights), len(weights)


def test_charlie_must_upload_bytes_he_only_knows_the_hash_of(
    hub, charlie, private_object, repo_name
):
    repo_id = make_repo(hub, charlie, repo_name)
    oid, size = private_object

    with wire(hub, charlie) as client:
        asked = lfs_batch(client, repo_id, [(oid, size)]).json()["objects"][0]
        line = {
            "key": "lfsFile",
            "value": {"path": "stolen.bin", "algo": "sha256", "oid": oid, "size": size},
        }
        commit = post_commit(client, repo_id, ndjson(commit_header(), line))

    assert "upload" in asked["actions"]
    assert commit.status_code == 400
    assert charlie.api(hub).list_repo_files(repo_id) == [".gitattributes"]


def test_a_hand_written_pointer_does_not_reveal_another_repos_private_lfs_object(
    hub, charlie, private_object, repo_name
):
    """Knowing a private object's sha256 is not access to it, whatever the pointer says."""
    repo_id = make_repo(hub, charlie, repo_name)
    oid, size = private_object
    pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n"

    with wire(hub, charlie) as client:
        post_commit(client, repo_id,
                    ndjson(commit_header(), file_line("stolen.bin", pointer.encode())))  # fmt: skip
        response = client.get(f"/{repo_id}/resolve/main/stolen.bin")

    assert sha256(response.content) != oid, f"{response.status_code}: the private bytes leaked"


def test_charlie_deleting_a_private_repo_is_told_it_does_not_exist(hub, alice, charlie,
                                                                  private_repo):  # fmt: skip
    with pytest.raises(RepositoryNotFoundError):
        charlie.api(hub).delete_repo(private_repo)

    assert alice.api(hub).model_info(private_repo).id == private_repo


def test_anonymous_cannot_create_a_repo(hub, anonymous, repo_name):
    with wire(hub, anonymous) as client:
        response = client.post("/api/repos/create", json={"name": repo_name})

    assert response.status_code == 401
