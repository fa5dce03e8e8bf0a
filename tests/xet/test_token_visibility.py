"""A CAS token lasts up to an hour, but it grants only what its holder may still do: every CAS
request checks the repo's visibility, the holder's membership and role, and the hub token the
CAS token was asked with, as they are at that moment."""

import pytest

from registry.models import AccessToken
from registry.services.accounts import member_remove, membership_set
from registry.services.tokens import token_revoke
from tests.conftest import make_token
from tests.xet.builders import make_chunks, make_file, make_shard, make_xorb
from tests.xet.conftest import bearer, cas_token, make_repo, post_shard, post_xorb
from xetstore.hashing import hash_to_str

pytestmark = pytest.mark.usefixtures("xet_storage")


def store_file(client, token: str, seed: int):
    """A file uploaded and registered through the CAS with `token`."""
    xorb = make_xorb(make_chunks(3, seed=seed))
    assert post_xorb(client, token, xorb).status_code == 200
    built = make_file([(xorb, 0, 3)])
    assert post_shard(client, token, make_shard([built], [xorb])).status_code == 200
    return built


def reconstruct(client, token: str, built):
    file_hash = hash_to_str(built.entry.file_hash)
    return client.get(f"/xet-cas/v1/reconstructions/{file_hash}", headers=bearer(token))


def dedup(client, token: str, built):
    chunk = hash_to_str(built.entry.terms[0].xorb_hash)  # any hash: only the status matters
    return client.get(f"/xet-cas/v1/chunks/default-merkledb/{chunk}", headers=bearer(token))


def make_private(client, owner, repo) -> None:
    response = client.put(
        f"/api/models/{repo.repo_id}/settings",
        data={"private": True},
        content_type="application/json",
        headers=bearer(make_token(owner, name="settings")),
    )
    assert response.status_code == 200, response.content


def refused(response, status: int = 401) -> None:
    assert response.status_code == status, response.content
    if status == 401:
        assert response["X-Error-Code"] == "InvalidXetToken"


@pytest.fixture
def repo(alice):
    return make_repo(alice)


@pytest.fixture
def stored(client, alice, repo):
    return store_file(client, cas_token(client, alice, repo), seed=1)


def test_an_anonymous_read_token_stops_working_when_the_repo_turns_private(
    client, alice, repo, stored
):
    token = client.get(f"/api/models/{repo.repo_id}/xet-read-token/main").json()["accessToken"]
    assert reconstruct(client, token, stored).status_code == 200

    make_private(client, alice, repo)

    refused(reconstruct(client, token, stored))
    refused(dedup(client, token, stored))


def test_charlies_read_token_stops_working_when_alices_repo_turns_private(
    client, alice, charlie, repo, stored
):
    token = cas_token(client, charlie, repo, kind="read")
    assert reconstruct(client, token, stored).status_code == 200

    make_private(client, alice, repo)

    refused(reconstruct(client, token, stored))


def test_charlies_pull_request_token_stops_uploading_when_alices_repo_turns_private(
    client, alice, charlie, repo
):
    token = cas_token(client, charlie, repo, rev="None?create_pr=1")
    assert post_xorb(client, token, make_xorb(make_chunks(2, seed=2))).status_code == 200

    make_private(client, alice, repo)

    refused(post_xorb(client, token, make_xorb(make_chunks(2, seed=3))))


def test_bobs_tokens_stop_working_when_he_leaves_acme(client, alice, bob, acme):
    repo = make_repo(alice, name="plans", organization="acme", private=True)
    read, write = cas_token(client, bob, repo, kind="read"), cas_token(client, bob, repo)
    built = store_file(client, write, seed=4)
    assert reconstruct(client, read, built).status_code == 200

    member_remove(org=acme, username="bob")

    refused(reconstruct(client, read, built))
    refused(post_xorb(client, write, make_xorb(make_chunks(2, seed=5))))


def test_bobs_write_token_stops_uploading_when_he_becomes_a_reader_of_acme(
    client, alice, bob, acme
):
    repo = make_repo(alice, name="plans", organization="acme", private=True)
    token = cas_token(client, bob, repo)
    built = store_file(client, token, seed=6)

    membership_set(org=acme, user=bob, role="read")

    response = post_xorb(client, token, make_xorb(make_chunks(2, seed=7)))
    refused(response, 403)
    assert "write access" in response.json()["error"]
    assert reconstruct(client, token, built).status_code == 200  # he still reads acme's repos


def test_a_cas_token_stops_working_when_its_hub_token_is_revoked(client, alice, repo, stored):
    hub_token = make_token(alice, name="ci")
    response = client.get(
        f"/api/models/{repo.repo_id}/xet-write-token/main", headers=bearer(hub_token)
    )
    token = response.json()["accessToken"]
    assert reconstruct(client, token, stored).status_code == 200

    token_revoke(user=alice, public_id=str(AccessToken.objects.get(name="ci").public_id))

    refused(reconstruct(client, token, stored))
    refused(post_xorb(client, token, make_xorb(make_chunks(2, seed=8))))
    assert "revoked" in post_xorb(client, token, make_xorb(make_chunks(1))).json()["error"]


def test_a_cas_token_stops_working_when_its_repo_is_deleted(client, alice, repo, stored):
    token = cas_token(client, alice, repo)

    response = client.delete(
        "/api/repos/delete",
        data={"name": "weights", "type": "model"},
        content_type="application/json",
        headers=bearer(make_token(alice, name="admin")),
    )

    assert response.status_code == 200, response.content
    refused(post_xorb(client, token, make_xorb(make_chunks(2, seed=9))))


def test_a_token_for_charlies_public_repo_cannot_rebuild_alices_private_file_by_its_hash(
    client, alice, charlie
):
    secret = make_repo(alice, name="secret", private=True)
    built = store_file(client, cas_token(client, alice, secret), seed=10)
    public = make_repo(charlie, name="open")

    for kind in ("read", "write"):
        response = reconstruct(client, cas_token(client, charlie, public, kind=kind), built)

        assert response.status_code == 403
        assert "terms" not in response.json()
