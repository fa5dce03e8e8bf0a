"""The organization's token page: its admins see the tokens that reach it, revoke one, and
set the longest lifetime a token may have to reach it."""

from django.test import Client

from registry.models import AccessToken, Organization
from registry.services.accounts import membership_set, org_create
from registry.services.tokens import token_create


def test_an_org_admin_lists_revokes_and_limits_the_tokens_that_reach_the_org(alice, bob):
    acme = org_create(name="acme", creator=alice)
    membership_set(org=acme, user=bob, role="write")
    token_create(user=bob, name="bob-laptop", role="write")
    admin = Client()
    admin.force_login(alice)

    page = admin.get("/organizations/acme/tokens").content.decode()
    assert "bob-laptop" in page
    bobs = AccessToken.objects.get(name="bob-laptop")
    admin.post(f"/organizations/acme/tokens/{bobs.public_id}/revoke")
    admin.post("/organizations/acme/tokens", {"token_max_days": "30"})

    bobs.refresh_from_db()
    assert bobs.revoked_at is not None
    assert Organization.objects.get(pk=acme.pk).token_max_days == 30
    assert "bob-laptop" not in admin.get("/organizations/acme/tokens").content.decode()


def test_a_member_who_is_not_an_admin_cannot_open_the_org_token_page(alice, bob):
    acme = org_create(name="acme", creator=alice)
    membership_set(org=acme, user=bob, role="write")
    member = Client()
    member.force_login(bob)

    assert member.get("/organizations/acme/tokens").status_code == 403
