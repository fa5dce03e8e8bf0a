"""GET /api/quicksearch: the header's type-ahead, in the Hub's shape, through the one
visibility rule."""

import pytest

from tests.conftest import make_token
from tests.web.conftest import make_repo

pytestmark = pytest.mark.django_db


@pytest.fixture
def repos(alice, acme):
    make_repo(alice, "tiny-bert")
    make_repo(alice, "tiny-secret", private=True)
    make_repo(alice, "tiny-squad", repo_type="dataset")
    make_repo(alice, "tiny-demo", repo_type="space")


def test_it_suggests_each_kind_with_counts_in_the_hubs_shape(client, repos):
    body = client.get("/api/quicksearch", {"q": "tiny"}).json()

    assert body["q"] == "tiny"
    assert body["models"] == [{"id": "alice/tiny-bert", "_id": body["models"][0]["_id"]}]
    assert body["modelsCount"] == 1
    assert [d["id"] for d in body["datasets"]] == ["alice/tiny-squad"]
    assert [s["id"] for s in body["spaces"]] == ["alice/tiny-demo"]
    assert body["users"] == [] and body["orgs"] == []


def test_it_suggests_users_and_organizations_by_name(client, repos):
    body = client.get("/api/quicksearch", {"q": "ac"}).json()

    assert body["orgs"] == [{"name": "acme", "fullname": "Acme Corp", "avatarUrl": ""}]
    assert client.get("/api/quicksearch", {"q": "ali"}).json()["users"][0]["user"] == "alice"


def test_it_hides_private_repo_from_charlie_and_anonymous(client, charlie, repos):
    anonymous = client.get("/api/quicksearch", {"q": "secret"}).json()
    as_charlie = client.get(
        "/api/quicksearch",
        {"q": "secret"},
        HTTP_AUTHORIZATION=f"Bearer {make_token(charlie, role='read')}",
    ).json()

    assert anonymous["models"] == [] and anonymous["modelsCount"] == 0
    assert as_charlie["models"] == []


def test_it_shows_alice_her_private_repo(client, alice, repos):
    token = make_token(alice, role="read")

    body = client.get(
        "/api/quicksearch", {"q": "alice/tiny-s"}, HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()

    assert [m["id"] for m in body["models"]] == ["alice/tiny-secret"]


def test_an_empty_query_suggests_nothing_and_an_overlong_one_is_a_400(client, repos):
    assert client.get("/api/quicksearch").json()["modelsCount"] == 0

    response = client.get("/api/quicksearch", {"q": "x" * 101})

    assert response.status_code == 400
    assert response["X-Error-Code"]
