"""An organization's admins set its signing policy on a page of its own, which says what
this hub trusts; members who are not admins and outsiders cannot."""

import pytest

from provenance.models import SigningPolicy
from registry.services.accounts import membership_set, org_create
from tests.conftest import make_user
from tests.provenance.signing import key_make

pytestmark = pytest.mark.django_db
PAGE = "/organizations/acme/signing"


@pytest.fixture
def acme():
    alice, bob = make_user("alice"), make_user("bob")
    org = org_create(name="acme", fullname="Acme", creator=alice)
    membership_set(org=org, user=bob, role="write")
    return org, alice, bob


def test_an_admin_turns_the_policy_on_and_off(client, acme, settings, tmp_path):
    org, alice, _ = acme
    settings.HUB_SIGNING_TRUST_ROOTS = tmp_path
    client.force_login(alice)
    page = client.get(PAGE).content.decode()
    assert "No key or certificate authority is set up" in page
    assert 'name="require_signed_main">' in page  # unchecked

    assert client.post(PAGE, {"require_signed_main": "on"}).status_code == 302
    assert SigningPolicy.objects.get(org=org).require_signed_main
    assert 'name="require_signed_main" checked>' in client.get(PAGE).content.decode()
    client.post(PAGE, {})
    assert not SigningPolicy.objects.get(org=org).require_signed_main


def test_the_page_names_the_keys_the_hub_trusts(client, acme, settings, tmp_path):
    _, alice, _ = acme
    key_make(tmp_path, "release-team")
    (tmp_path / "release-team.key").unlink()  # the hub holds public keys only
    settings.HUB_SIGNING_TRUST_ROOTS = tmp_path
    client.force_login(alice)

    assert "Key <code>release-team.pub</code>" in client.get(PAGE).content.decode()


def test_members_who_are_not_admins_outsiders_and_strangers_are_refused(client, acme):
    _, _, bob = acme
    assert client.get(PAGE).status_code in (302, 401)
    client.force_login(bob)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"require_signed_main": "on"}).status_code == 403
    assert not SigningPolicy.objects.filter(require_signed_main=True).exists()
    assert client.get("/organizations/nobody/signing").status_code == 404
