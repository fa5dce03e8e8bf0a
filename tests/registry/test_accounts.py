import pytest

from registry.errors import Conflict, InvalidName
from registry.models import Membership, User
from registry.services.accounts import admin_bootstrap, membership_set, org_create, user_create
from registry.services.tokens import token_authenticate
from tests.conftest import make_user


def test_user_and_org_names_share_one_case_insensitive_namespace(alice):
    with pytest.raises(Conflict, match="already taken"):
        org_create(name="ALICE")
    org_create(name="acme")
    with pytest.raises(Conflict):
        make_user("Acme")


def test_a_bad_user_name_is_refused_and_nothing_is_created(db):
    with pytest.raises(InvalidName):
        user_create(name="bad name!")

    assert not User.objects.exists()


def test_the_org_creator_is_an_admin_and_roles_can_change(acme, alice, bob):
    assert Membership.objects.get(org=acme, user=alice).role == "admin"

    membership_set(org=acme, user=bob, role="read")

    assert Membership.objects.get(org=acme, user=bob).role == "read"
    with pytest.raises(InvalidName):
        membership_set(org=acme, user=bob, role="owner")


def test_first_start_creates_admin_with_a_working_write_token_exactly_once(db):
    password, token = admin_bootstrap()

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    assert token_authenticate(value=token).role == "write"
    assert admin_bootstrap() is None
