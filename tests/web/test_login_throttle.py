"""The sign-in page stops password guessing: per account and per client address."""

import pytest

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _three_attempts(settings, request):
    # Counts live in the cache, which outlives a test (Redis in the production pass): each
    # test counts in a cache of its own.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }
    settings.HUB_LOGIN_ATTEMPTS = 3
    settings.HUB_LOGIN_WINDOW_SECONDS = 600
    settings.HUB_TRUSTED_PROXIES = 1


def sign_in(client, username: str, password: str, *, address: str = "203.0.113.7"):
    return client.post("/login", {"username": username, "password": password},
                       HTTP_X_FORWARDED_FOR=address)  # fmt: skip


def test_after_three_wrong_passwords_even_the_right_one_is_refused(client, alice):
    for _ in range(3):
        assert sign_in(client, "alice", "wrong").status_code == 200

    response = sign_in(client, "alice", PASSWORD)

    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert b"Try again in 10 minutes" in response.content
    assert "_auth_user_id" not in client.session


def test_guessing_alices_password_from_many_addresses_is_still_stopped(client, alice):
    for n in range(3):
        sign_in(client, "alice", "wrong", address=f"198.51.100.{n}")

    response = sign_in(client, "alice", PASSWORD, address="198.51.100.99")

    assert response.status_code == 429


def test_one_address_guessing_many_accounts_is_stopped(client, alice, bob, charlie):
    for name in ("alice", "bob", "charlie"):
        sign_in(client, name, "wrong")

    response = sign_in(client, "bob", PASSWORD)

    assert response.status_code == 429


def test_bob_is_not_locked_out_by_failures_against_alice_from_elsewhere(client, alice, bob):
    for _ in range(3):
        sign_in(client, "alice", "wrong", address="198.51.100.1")

    response = sign_in(client, "bob", PASSWORD, address="203.0.113.8")

    assert response.status_code == 302


def test_a_successful_sign_in_resets_the_accounts_count(client, alice):
    sign_in(client, "alice", "wrong")
    sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    client.logout()

    sign_in(client, "alice", "wrong", address="198.51.100.1")
    sign_in(client, "alice", "wrong", address="198.51.100.1")
    response = sign_in(client, "alice", PASSWORD, address="198.51.100.1")

    assert response.status_code == 302
