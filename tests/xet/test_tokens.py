"""The hub's Xet token routes, and how the CAS checks what they hand out."""

import time

import pytest

from tests.conftest import make_token
from tests.xet.builders import make_chunks, make_xorb
from tests.xet.conftest import bearer, cas_token, make_repo, post_xorb

pytestmark = pytest.mark.usefixtures("xet_storage")


@pytest.fixture
def repo(alice):
    return make_repo(alice)


def test_a_write_token_comes_as_json_for_hf_xet_and_as_headers_for_huggingface_hub(
    client, alice, repo
):
    response = client.get(
        f"/api/models/{repo.repo_id}/xet-write-token/main", headers=bearer(make_token(alice))
    )

    body = response.json()
    assert response.status_code == 200
    assert body["casUrl"] == "http://testserver/xet-cas"
    assert isinstance(body["exp"], int)
    assert 900 <= body["exp"] - time.time() <= 3700
    assert response["X-Xet-Cas-Url"] == body["casUrl"]
    assert response["X-Xet-Access-Token"] == body["accessToken"]
    assert response["X-Xet-Token-Expiration"] == str(body["exp"])


def test_the_cas_url_follows_hub_public_url(client, alice, repo, settings):
    settings.HUB_PUBLIC_URL = "https://hub.example.com"

    response = client.get(
        f"/api/models/{repo.repo_id}/xet-read-token/main", headers=bearer(make_token(alice))
    )

    assert response.json()["casUrl"] == "https://hub.example.com/xet-cas"


def test_charlie_may_not_write_to_alices_main(client, charlie, repo):
    response = client.get(
        f"/api/models/{repo.repo_id}/xet-write-token/main", headers=bearer(make_token(charlie))
    )

    assert response.status_code == 403
    assert response["X-Error-Code"] == "Forbidden"


def test_charlie_gets_a_write_token_to_open_a_pull_request_with_rev_none(client, charlie, repo):
    """huggingface_hub sends the literal `None` for create_commit(create_pr=True)."""
    response = client.get(
        f"/api/models/{repo.repo_id}/xet-write-token/None?create_pr=1",
        headers=bearer(make_token(charlie)),
    )

    assert response.status_code == 200
    token = response.json()["accessToken"]
    xorb = make_xorb(make_chunks(2, seed=5))
    assert post_xorb(client, token, xorb).status_code == 200


def test_a_read_role_hub_token_gets_no_write_token_even_for_a_pull_request(client, alice, repo):
    read = make_token(alice, role="read", name="read")
    for path in ("main", "None?create_pr=1"):
        response = client.get(
            f"/api/models/{repo.repo_id}/xet-write-token/{path}", headers=bearer(read)
        )
        assert response.status_code == 403


def test_anonymous_may_read_a_public_repo_but_not_write(client, repo):
    assert client.get(f"/api/models/{repo.repo_id}/xet-read-token/main").status_code == 200
    assert client.get(f"/api/models/{repo.repo_id}/xet-write-token/main").status_code == 401


def test_a_private_repo_is_a_404_for_charlie_and_a_401_for_anonymous(client, alice, charlie):
    private = make_repo(alice, name="secret", private=True)
    url = f"/api/models/{private.repo_id}/xet-read-token/main"

    assert client.get(url, headers=bearer(make_token(charlie))).status_code == 404
    assert client.get(url).status_code == 401


def test_an_unknown_revision_is_a_404(client, alice, repo):
    for kind in ("read", "write"):
        response = client.get(
            f"/api/models/{repo.repo_id}/xet-{kind}-token/nope", headers=bearer(make_token(alice))
        )
        assert response.status_code == 404
        assert response["X-Error-Code"] == "RevisionNotFound"


def test_a_read_token_cannot_upload(client, alice, repo):
    token = cas_token(client, alice, repo, kind="read")

    response = post_xorb(client, token, make_xorb(make_chunks(1, seed=6)))

    assert response.status_code == 403
    assert "read" in response.json()["error"]


def test_an_expired_token_is_a_401(client, alice, repo, monkeypatch):
    long_ago = time.time() - 3 * 3600
    monkeypatch.setattr("xetstore.tokens.time.time", lambda: long_ago)
    token = cas_token(client, alice, repo)
    monkeypatch.undo()

    response = post_xorb(client, token, make_xorb(make_chunks(1, seed=7)))

    assert response.status_code == 401
    assert "expired" in response.json()["error"]


@pytest.mark.parametrize("header", ["", "Bearer ", "Bearer not-a-token", "Basic abc"])
def test_a_missing_or_forged_token_is_a_401(client, header):
    xorb = make_xorb(make_chunks(1, seed=8))
    response = client.post(
        "/xet-cas/v1/xorbs/default/" + "0" * 64,
        data=xorb.data,
        content_type="application/octet-stream",
        headers={"Authorization": header} if header else {},
    )

    assert response.status_code == 401
    assert response["X-Error-Code"] == "InvalidXetToken"


def test_a_hub_token_is_no_cas_token(client, alice):
    response = client.post(
        "/xet-cas/v1/shards", data=b"", content_type="application/octet-stream",
        headers=bearer(make_token(alice)),
    )  # fmt: skip

    assert response.status_code == 401
