import pytest

from registry.models import AccessToken, Membership, User
from registry.services.repos import repo_create
from registry.services.tokens import token_authenticate
from tests.web.conftest import make_repo


def test_sign_up_is_off_by_default(client, db):
    assert client.get("/join").status_code == 404
    assert b"Sign up" not in client.get("/").content


def test_a_visitor_signs_up_when_the_operator_allows_it(client, settings, db):
    settings.HUB_SIGNUP = True

    response = client.post(
        "/join",
        {
            "username": "dana",
            "email": "dana@example.com",
            "password": "a long password here",
            "password_again": "a long password here",
        },
    )

    assert response["Location"] == "/"
    assert User.objects.get(username="dana").check_password("a long password here")
    assert b"Sign out" in client.get("/").content


@pytest.mark.parametrize("name", ["alice", "ALICE", "docs"])
def test_sign_up_refuses_taken_or_reserved_names(client, settings, alice, name):
    settings.HUB_SIGNUP = True

    response = client.post(
        "/join",
        {
            "username": name,
            "password": "a long password here",
            "password_again": "a long password here",
        },
    )

    assert response.status_code == 200 and b'class="errorlist"' in response.content


def test_a_token_is_shown_once_and_works_until_revoked(client, alice):
    client.force_login(alice)

    page = client.post("/settings/tokens", {"name": "laptop", "role": "write"}).content.decode()
    value = page.split('<code id="new-token">')[1].split("<")[0]
    assert token_authenticate(value=value).role == "write"
    assert value not in client.get("/settings/tokens").content.decode()

    token = AccessToken.objects.get(name="laptop")
    client.post(f"/settings/tokens/{token.public_id}/revoke")
    assert b"laptop" not in client.get("/settings/tokens").content


def test_a_profile_lists_the_users_repos_and_orgs(client, alice, acme):
    make_repo(alice, "tiny")
    make_repo(alice, "squad", repo_type="dataset")

    page = client.get("/alice").content.decode()

    assert 'href="/alice/tiny"' in page and 'href="/datasets/alice/squad"' in page
    assert 'href="/acme"' in page


def test_an_org_profile_lists_members_and_repos(client, alice, acme):
    make_repo(alice, "shared", organization="acme")

    page = client.get("/acme").content.decode()

    assert 'href="/acme/shared"' in page and 'href="/bob"' in page


def test_an_org_admin_manages_members_and_roles(client, alice, acme, charlie):
    client.force_login(alice)

    client.post("/organizations/acme/members", {"username": "charlie", "role": "read"})
    client.post("/organizations/acme/members", {"username": "bob", "role": "admin"})
    client.post("/organizations/acme/members", {"action": "remove", "username": "charlie"})

    roles = dict(Membership.objects.filter(org=acme).values_list("user__username", "role"))
    assert roles == {"alice": "admin", "bob": "admin"}


def test_a_member_who_is_not_admin_cannot_change_members(client, bob, acme, charlie):
    client.force_login(bob)

    response = client.post("/organizations/acme/members", {"username": "charlie", "role": "admin"})

    assert response.status_code == 403
    assert not Membership.objects.filter(user=charlie).exists()


def test_the_last_admin_cannot_be_removed(client, alice, acme):
    client.force_login(alice)

    response = client.post("/organizations/acme/members", {"action": "remove", "username": "alice"})

    assert b"An organization keeps at least one admin" in response.content


def test_a_signed_in_user_creates_an_organization(client, charlie):
    client.force_login(charlie)

    response = client.post("/organizations/new", {"name": "labs", "fullname": "Labs"})

    assert response["Location"] == "/organizations/labs/members"
    assert Membership.objects.get(org__namespace__name="labs").role == "admin"


def test_an_org_admin_makes_new_repos_private_by_default(client, alice, bob, acme):
    client.force_login(alice)
    client.post("/organizations/acme/members", {"action": "visibility",
                                                "repos_private_by_default": "on"})  # fmt: skip

    unsaid = repo_create(user=bob, token=None, name="quiet", organization="acme",
                         repo_type="model", private=None)  # fmt: skip
    public = repo_create(user=bob, token=None, name="loud", organization="acme",
                         repo_type="model", private=False)  # fmt: skip
    mine = repo_create(user=bob, token=None, name="own", organization=None,
                       repo_type="model", private=None)  # fmt: skip
    assert (unsaid.private, public.private, mine.private) == (True, False, False)


def test_a_member_who_is_not_admin_cannot_change_the_orgs_default(client, bob, acme):
    client.force_login(bob)

    private = {"action": "visibility", "repos_private_by_default": "on"}
    response = client.post("/organizations/acme/members", private)

    assert response.status_code == 403
    acme.refresh_from_db()
    assert acme.repos_private_by_default is False
