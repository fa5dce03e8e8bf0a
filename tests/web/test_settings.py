from registry.models import Repo
from tests.web.conftest import make_repo


def test_the_owner_makes_a_repo_private(client, alice):
    make_repo(alice)
    client.force_login(alice)

    client.post("/alice/tiny/settings", {"action": "visibility", "visibility": "private"})

    assert Repo.objects.get(name="tiny").private is True


def test_the_owner_renames_a_repo(client, alice):
    make_repo(alice)
    client.force_login(alice)

    response = client.post("/alice/tiny/settings", {"action": "move", "new_id": "alice/small"})

    assert response["Location"] == "/alice/small/settings"
    assert client.get("/alice/tiny").status_code == 302


def test_deleting_needs_the_full_name_typed(client, alice):
    make_repo(alice)
    client.force_login(alice)

    wrong = client.post("/alice/tiny/settings", {"action": "delete", "confirm": "tiny"})
    assert b"Type alice/tiny to delete this repository" in wrong.content
    assert Repo.objects.filter(name="tiny").exists()

    client.post("/alice/tiny/settings", {"action": "delete", "confirm": "alice/tiny"})
    assert not Repo.objects.filter(name="tiny").exists()
