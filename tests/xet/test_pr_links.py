"""Anyone who may open a pull request on alice's public repo gets a Xet write token for it, but
what such a token uploads is charlie's, not alice's repo's: it is linked to the repo (servable
there, reusable by its readers) only when charlie commits it to his pull request."""

import json

import pytest

from tests.conftest import make_token
from tests.xet.builders import make_chunks, make_file, make_shard, make_xorb
from tests.xet.conftest import bearer, cas_token, make_repo, post_shard, post_xorb
from xetstore.hashing import hash_to_str

pytestmark = pytest.mark.usefixtures("xet_storage")

PR_TOKEN = "None?create_pr=1"  # what huggingface_hub asks for create_commit(create_pr=True)


@pytest.fixture
def repo(alice):
    return make_repo(alice)


def upload(client, token: str, seed: int):
    """A file uploaded through the CAS with `token`, as hf_xet does: xorb, then shard."""
    xorb = make_xorb(make_chunks(3, seed=seed))
    assert post_xorb(client, token, xorb).status_code == 200
    built = make_file([(xorb, 0, 3)])
    assert post_shard(client, token, make_shard([built], [xorb])).status_code == 200
    return built


def commit(client, user, repo, built, *, rev: str = "main", create_pr: bool = False):
    """An API commit adding `built` as `proposal.bin` by its sha256, as huggingface_hub sends it."""
    lines = [
        {"key": "header", "value": {"summary": "Add proposal.bin", "description": ""}},
        {
            "key": "lfsFile",
            "value": {"path": "proposal.bin", "algo": "sha256", "oid": built.sha256,
                      "size": len(built.content)},
        },
    ]  # fmt: skip
    query = "?create_pr=1" if create_pr else ""
    return client.post(
        f"/api/models/{repo.repo_id}/commit/{rev}{query}",
        data="\n".join(json.dumps(line) for line in lines),
        content_type="application/x-ndjson",
        headers=bearer(make_token(user, name="commit")),
    )


def lfs_download(client, repo, built) -> dict:
    """The LFS batch API's answer for the object, asked anonymously of alice's public repo."""
    response = client.post(
        f"/{repo.repo_id}.git/info/lfs/objects/batch",
        data={"operation": "download",
              "objects": [{"oid": built.sha256, "size": len(built.content)}]},
        content_type="application/vnd.git-lfs+json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    return response.json()["objects"][0]


def reconstruct(client, token: str, built):
    file_hash = hash_to_str(built.entry.file_hash)
    return client.get(f"/xet-cas/v1/reconstructions/{file_hash}", headers=bearer(token))


def test_charlies_pull_request_upload_is_not_served_by_alices_repo(client, alice, charlie, repo):
    built = upload(client, cas_token(client, charlie, repo, rev=PR_TOKEN), seed=1)

    assert lfs_download(client, repo, built)["error"]["code"] == 404
    assert (
        reconstruct(client, cas_token(client, alice, repo, kind="read"), built).status_code == 403
    )


def test_alices_main_cannot_be_made_to_reference_charlies_upload(client, alice, charlie, repo):
    built = upload(client, cas_token(client, charlie, repo, rev=PR_TOKEN), seed=2)
    head = client.get(f"/api/models/{repo.repo_id}").json()["sha"]

    by_charlie = commit(client, charlie, repo, built)
    by_alice = commit(client, alice, repo, built)  # she never had these bytes

    assert by_charlie.status_code == 403
    assert by_alice.status_code == 400
    assert "does not exist" in by_alice.json()["error"]
    assert client.get(f"/api/models/{repo.repo_id}").json()["sha"] == head


def test_charlie_opens_a_pull_request_with_his_upload(client, alice, charlie, repo):
    built = upload(client, cas_token(client, charlie, repo, rev=PR_TOKEN), seed=3)

    response = commit(client, charlie, repo, built, create_pr=True)

    assert response.status_code == 200, response.content
    assert response.json()["pullRequestUrl"].endswith("/discussions/1")
    sha = response.json()["commitOid"]
    served = client.get(f"/{repo.repo_id}/resolve/{sha}/proposal.bin")
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == built.content
    assert "actions" in lfs_download(client, repo, built)  # the pull request references it now


def test_an_upload_to_charlies_open_pull_request_waits_for_his_commit(client, alice, charlie, repo):
    first = upload(client, cas_token(client, charlie, repo, rev=PR_TOKEN), seed=4)
    assert commit(client, charlie, repo, first, create_pr=True).status_code == 200
    token = cas_token(client, charlie, repo, rev="refs/pr/1")

    built = upload(client, token, seed=5)

    assert lfs_download(client, repo, built)["error"]["code"] == 404
    assert commit(client, charlie, repo, built, rev="refs%2Fpr%2F1").status_code == 200
    assert "actions" in lfs_download(client, repo, built)


def test_nobody_but_charlie_can_commit_his_pull_request_upload(client, bob, charlie, repo):
    built = upload(client, cas_token(client, charlie, repo, rev=PR_TOKEN), seed=6)

    response = commit(client, bob, repo, built, create_pr=True)

    assert response.status_code == 400
    assert "does not exist" in response.json()["error"]
    assert lfs_download(client, repo, built)["error"]["code"] == 404


def test_charlies_pull_request_cannot_bring_in_alices_private_file(client, alice, charlie, repo):
    secret = make_repo(alice, name="secret", private=True)
    private = upload(client, cas_token(client, alice, secret), seed=7)
    token = cas_token(client, charlie, repo, rev=PR_TOKEN)
    upload(client, token, seed=8)  # his own file, in the same session

    response = commit(client, charlie, repo, private, create_pr=True)

    assert response.status_code == 400
    assert "does not exist" in response.json()["error"]
    assert reconstruct(client, token, private).status_code == 403
    assert lfs_download(client, repo, private)["error"]["code"] == 404


def test_alices_own_uploads_are_linked_to_her_repo_at_once(client, alice, repo):
    built = upload(client, cas_token(client, alice, repo, rev=PR_TOKEN), seed=9)

    assert "actions" in lfs_download(client, repo, built)
    assert commit(client, alice, repo, built).status_code == 200
