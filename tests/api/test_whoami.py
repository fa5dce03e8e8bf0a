import base64

import pytest

from tests.conftest import make_token


def test_whoami_answers_in_the_hubs_shape(client, alice, acme):
    token = make_token(alice, role="read", name="laptop")

    response = client.get("/api/whoami-v2", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    body = response.json()
    assert (body["type"], body["name"], body["fullname"]) == ("user", "alice", "Alice")
    assert body["orgs"] == [
        {
            "type": "org",
            "name": "acme",
            "fullname": "Acme Corp",
            "roleInOrg": "admin",
            "avatarUrl": "",
        }
    ]
    assert body["auth"]["accessToken"]["displayName"] == "laptop"
    assert body["auth"]["accessToken"]["role"] == "read"
    assert body["auth"]["accessToken"]["createdAt"].endswith("Z")


def test_http_basic_with_the_token_as_password_authenticates_like_git(client, bob):
    token = make_token(bob)
    basic = base64.b64encode(f"bob:{token}".encode()).decode()

    response = client.get("/api/whoami-v2", headers={"Authorization": f"Basic {basic}"})

    assert response.json()["name"] == "bob"


@pytest.mark.parametrize(
    "header", ["Bearer hf_NotARealTokenAtAll0000000000000", "Basic !!!", "Token abc"]
)
def test_a_bad_token_is_a_401_with_the_message_the_client_knows(client, alice, header):
    response = client.get(
        "/api/whoami-v2", headers={"Authorization": header, "X-Request-Id": "trace-42"}
    )

    assert response.status_code == 401
    assert response["X-Error-Code"] == "InvalidCredentials"
    assert response["X-Error-Message"] == "Invalid credentials in Authorization header"
    assert response["X-Request-Id"] == "trace-42"
    assert response.json() == {"error": "Invalid credentials in Authorization header"}


def test_a_bad_token_is_refused_even_on_public_endpoints(client, db):
    response = client.get("/api/health", headers={"Authorization": "Bearer hf_nope"})

    assert response.status_code == 401


def test_whoami_without_credentials_asks_for_them(client, db):
    response = client.get("/api/whoami-v2")

    assert response.status_code == 401
    assert response["X-Error-Code"] == "AuthenticationRequired"
    assert len(response["X-Request-Id"]) == 32


def test_a_web_session_is_enough_for_whoami(client, alice):
    assert client.login(username="alice", password="correct horse battery")

    body = client.get("/api/whoami-v2").json()

    assert body["name"] == "alice"
    assert body["auth"] == {"type": "session"}
