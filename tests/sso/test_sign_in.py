"""Signing in at the operator's identity provider: accounts created or linked from verified
claims, org roles from the groups claim, and every bad answer refused."""

import secrets
import time

import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import Client

from registry.models import Membership, OidcIdentity, User
from registry.services.accounts import membership_set, org_create, user_create
from registry.web.oidc import HubOidcBackend
from tests.sso.conftest import acme, sso_sign_in
from tests.sso.provider import rsa_key


def _whoami(client: Client) -> dict:
    return client.get("/api/whoami-v2").json()


def test_a_new_user_signs_in_at_the_provider_and_gets_an_account_and_their_groups_role(sso):
    sso.user(username="dana", password="pw-idp", email="dana@corp.test", groups=["ml-team"])
    client = Client()

    answer = sso_sign_in(client, sso, "dana")

    assert answer.status_code == 302 and answer["Location"] == "/"
    me = _whoami(client)
    assert me["name"] == "dana" and me["email"] == "dana@corp.test"
    assert [(org["name"], org["roleInOrg"]) for org in me["orgs"]] == [("acme", "write")]


def test_a_rename_at_the_provider_signs_in_to_the_same_account(sso):
    subject = sso.user(username="ed", password="pw-idp", email="ed@corp.test")
    sso_sign_in(Client(), sso, "ed")
    sso.user(id=subject, username="edward", email="edward@corp.test")
    client = Client()

    sso_sign_in(client, sso, "edward")

    assert _whoami(client)["name"] == "ed"
    assert OidcIdentity.objects.filter(subject=str(subject)).count() == 1
    assert not User.objects.filter(username="edward").exists()


def test_a_verified_email_links_the_existing_account_and_an_unverified_one_does_not(sso):
    user_create(name="erin", email="erin@corp.test")
    user_create(name="frank", email="frank@corp.test")
    sso.user(username="erin-idp", password="pw-idp", email="erin@corp.test")
    sso.user(username="frank", password="pw-idp", email="frank@corp.test", email_verified=False)
    erin, frank = Client(), Client()

    sso_sign_in(erin, sso, "erin-idp")
    sso_sign_in(frank, sso, "frank")

    assert _whoami(erin)["name"] == "erin"
    assert _whoami(frank)["name"] == "frank-2"  # a new account: the email was not verified
    assert User.objects.get(username="frank-2").email == ""


def test_groups_are_reapplied_at_every_sign_in_and_only_mapped_memberships_are_removed(sso):
    sso.user(username="gina", password="pw-idp", email="gina@corp.test", groups=["ml-team"])
    sso_sign_in(Client(), sso, "gina")
    gina = User.objects.get(username="gina")
    other = org_create(name="other", creator=User.objects.get(username="root"))
    membership_set(org=other, user=gina, role="read")  # given by hand: not the mapping's

    sso.user(username="gina", groups=["ml-team", "ml-admins"])
    sso_sign_in(Client(), sso, "gina")
    assert Membership.objects.get(org=acme(), user=gina).role == "admin"

    sso.user(username="gina", groups=[])
    sso_sign_in(Client(), sso, "gina")
    assert not Membership.objects.filter(org=acme(), user=gina).exists()
    assert Membership.objects.get(org=other, user=gina).role == "read"


def test_a_groups_claim_never_reaches_an_org_the_mapping_does_not_name(sso):
    org_create(name="evilcorp", creator=User.objects.get(username="root"))
    claimed = ["evilcorp", "evilcorp:admin", "acme", "acme:admin", "admin", "ml-team "]
    sso.user(username="hank", password="pw-idp", email="hank@corp.test", groups=claimed)

    sso_sign_in(Client(), sso, "hank")

    assert not Membership.objects.filter(user__username="hank").exists()


def test_a_replayed_state_is_refused_and_signs_nobody_in(sso):
    sso.user(username="ivy", password="pw-idp", email="ivy@corp.test")
    client = Client()
    start = client.get("/oidc/authenticate/")
    callback = sso.sign_in(start["Location"], username="ivy", password="pw-idp").removeprefix(
        "http://testserver"
    )
    assert client.get(callback).status_code == 302
    client.logout()

    again = client.get(callback)

    assert again.status_code == 403
    assert "was not started here or was already used" in again.content.decode()
    assert client.get("/api/whoami-v2").status_code == 401


def _claims(**overrides) -> dict:
    return {"sub": "42", "nonce": "n-1", **overrides}


@pytest.mark.parametrize(
    ("case", "claims", "forged"),
    [
        ("forged", _claims(), True),
        ("expired", _claims(exp=int(time.time()) - 60, iat=int(time.time()) - 400), False),
        ("wrong audience", _claims(aud="another-client"), False),
        ("wrong issuer", _claims(iss="https://evil.example/o"), False),
        ("no subject", {"nonce": "n-1"}, False),
    ],
)
def test_bad_id_tokens_are_refused(sso, case, claims, forged):
    backend = HubOidcBackend()
    token = sso.sign(claims, key=rsa_key() if forged else None)

    with pytest.raises(SuspiciousOperation):
        backend.verify_token(token, nonce="n-1")


def test_a_good_id_token_passes_the_same_checks(sso):
    assert HubOidcBackend().verify_token(sso.sign(_claims()), nonce="n-1")["sub"] == "42"


def test_a_flood_of_failed_sign_ins_is_refused_with_429(sso, settings):
    settings.HUB_LOGIN_ATTEMPTS = 3
    # An address of its own: other tests' failures (and other runs sharing the cache) count
    # against 127.0.0.1.
    client = Client(REMOTE_ADDR=f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(256)}")
    answers = [client.get("/oidc/callback/?code=guess&state=guess") for _ in range(4)]

    assert [a.status_code for a in answers] == [403, 403, 403, 429]
    assert "Too many failed sign-in attempts" in answers[-1].content.decode()
