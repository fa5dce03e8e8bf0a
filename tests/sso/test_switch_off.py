"""Switching someone off: disabled at the provider, logged out by it, or by an admin here;
and password sign-in turned off."""

import time

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import Client

from registry.models import User
from registry.services.tokens import token_create
from tests.security.conftest import bearer
from tests.sso.conftest import sso_sign_in
from tests.sso.provider import rsa_key

_LOGOUT_EVENT = {"http://schemas.openid.net/event/backchannel-logout": {}}


def _signed_in_with_a_token(sso, name: str) -> tuple[Client, str, int]:
    subject = sso.user(username=name, password="pw-idp", email=f"{name}@corp.test")
    client = Client()
    sso_sign_in(client, sso, name)
    token = token_create(user=User.objects.get(username=name), name="laptop", role="write")[1]
    return client, token, subject


def _still_in(client: Client, token: str) -> tuple[bool, bool]:
    session = client.get("/api/whoami-v2").status_code == 200
    return session, Client().get("/api/whoami-v2", headers=bearer(token)).status_code == 200


def test_a_user_disabled_at_the_provider_loses_the_session_at_the_next_check(sso, settings):
    client, _, subject = _signed_in_with_a_token(sso, "lena")
    settings.HUB_OIDC_RECHECK_SECONDS = 0.5
    time.sleep(0.6)
    assert client.get("/api/whoami-v2").status_code == 200  # checked, and still enabled

    sso.user(id=subject, is_active=False)
    time.sleep(0.6)

    assert client.get("/settings/tokens")["Location"] == "/login"
    assert client.get("/api/whoami-v2").status_code == 401


def test_a_back_channel_logout_revokes_every_token_and_ends_every_session(sso):
    client, token, subject = _signed_in_with_a_token(sso, "milo")
    forged = sso.sign({"sub": str(subject), "events": _LOGOUT_EVENT, "jti": "1"}, key=rsa_key())

    for bad in (forged, "not-a-jwt", sso.sign({"sub": str(subject)})):  # the last: no event
        refused = Client().post("/oidc/backchannel-logout", {"logout_token": bad})
        assert refused.status_code == 400
    assert _still_in(client, token) == (True, True)

    logout = sso.sign({"sub": str(subject), "events": _LOGOUT_EVENT, "jti": "2"})
    answer = Client().post("/oidc/backchannel-logout", {"logout_token": logout})

    assert answer.status_code == 200
    assert _still_in(client, token) == (False, False)


def test_revokeaccess_switches_a_user_off_everywhere(sso):
    client, token, _ = _signed_in_with_a_token(sso, "nora")

    call_command("revokeaccess", "nora")

    assert _still_in(client, token) == (False, False)


def test_a_site_admin_switches_a_user_off_from_their_profile_page(sso):
    client, token, _ = _signed_in_with_a_token(sso, "otto")
    admin = Client()
    admin.force_login(User.objects.get(username="root"))
    assert "Revoke all tokens and sign out everywhere" in admin.get("/otto").content.decode()

    answer = admin.post("/settings/users/otto/revoke-access")

    assert answer.status_code == 302
    assert _still_in(client, token) == (False, False)
    otto = Client()
    otto.force_login(User.objects.get(username="otto"))  # signs in again: a new session
    assert otto.post("/settings/users/root/revoke-access").status_code == 403


def test_password_sign_in_turned_off_leaves_only_the_provider(sso, settings):
    settings.HUB_PASSWORD_LOGIN = False

    page = Client().get("/login").content.decode()
    posted = Client().post("/login", {"username": "root", "password": "pw-root-12345"})

    assert "Sign in with Test IdP" in page and 'name="password"' not in page
    assert posted.status_code == 403
    assert "Password sign-in is turned off" in posted.content.decode()
    assert authenticate(username="root", password="pw-root-12345") is None
    assert Client().get("/join").status_code == 404
