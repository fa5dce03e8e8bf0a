"""The new-repo page's license field and private switch, and changing one's password."""

import pytest

from registry.models import Repo
from tests.conftest import make_token

pytestmark = pytest.mark.django_db


def test_the_license_chosen_on_the_new_repo_page_is_in_the_card(client, alice):
    client.force_login(alice)

    response = client.post(
        "/new",
        {
            "owner": "alice",
            "name": "licensed",
            "type": "model",
            "license": "mit",
            "visibility": "private",
        },
    )

    assert response.status_code == 302
    repo = Repo.objects.get(name="licensed")
    assert repo.private
    assert repo.card_data["license"] == "mit"
    assert "<dt>License</dt><dd>mit</dd>" in client.get("/alice/licensed").content.decode()


def test_a_license_that_is_not_offered_is_refused(client, alice):
    client.force_login(alice)

    response = client.post(
        "/new",
        {
            "owner": "alice",
            "name": "odd",
            "type": "model",
            "license": "mine",
            "visibility": "public",
        },
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Repo.objects.filter(name="odd").exists()


def test_alice_changes_her_password_and_stays_signed_in(client, alice):
    client.force_login(alice)

    response = client.post(
        "/settings/password",
        {
            "old_password": "correct horse battery",
            "new_password1": "a new long phrase 42",
            "new_password2": "a new long phrase 42",
        },
    )

    assert response.status_code == 302
    assert client.get("/settings/password").status_code == 200  # still signed in
    alice.refresh_from_db()
    assert alice.check_password("a new long phrase 42")


def test_a_wrong_old_password_changes_nothing(client, alice):
    client.force_login(alice)

    response = client.post(
        "/settings/password",
        {
            "old_password": "wrong",
            "new_password1": "a new long phrase 42",
            "new_password2": "a new long phrase 42",
        },
    )

    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password("correct horse battery")


def test_a_token_cannot_change_the_password(client, alice):
    token = make_token(alice, role="write")

    response = client.post(
        "/settings/password",
        {
            "old_password": "correct horse battery",
            "new_password1": "x" * 20,
            "new_password2": "x" * 20,
        },
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.check_password("correct horse battery")
