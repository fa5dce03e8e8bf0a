import io

import pytest
from django.core.management import CommandError, call_command

from registry.models import Membership, User
from registry.services.tokens import token_authenticate


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_createuser_makes_a_user_who_can_sign_in(db):
    output = run("createuser", "alice", "--email", "a@example.com", "--password", "pw-12345678",
                 "--fullname", "Alice Liddell", "--admin")  # fmt: skip

    alice = User.objects.get(username="alice")
    assert "Created user alice" in output
    assert alice.check_password("pw-12345678") and alice.is_superuser
    assert (alice.email, alice.fullname) == ("a@example.com", "Alice Liddell")


def test_createuser_without_password_prints_a_generated_one(db):
    output = run("createuser", "bob")

    password = output.split("Password: ")[1].strip()
    assert User.objects.get(username="bob").check_password(password)


def test_createuser_refuses_a_bad_name_clearly(db):
    with pytest.raises(CommandError, match="Invalid name"):
        run("createuser", "no spaces")


def test_createorg_adds_members_with_roles(alice, bob):
    run("createorg", "acme", "--fullname", "Acme", "--member", "alice:admin", "--member", "bob")

    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == {"alice": "admin", "bob": "read"}


def test_createorg_with_an_unknown_member_creates_nothing(alice):
    with pytest.raises(CommandError, match="ghost"):
        run("createorg", "acme", "--member", "ghost")

    assert not Membership.objects.exists()


def test_createtoken_prints_only_a_token_that_authenticates(alice):
    output = run("createtoken", "alice", "--name", "ci", "--role", "read")

    token = token_authenticate(value=output.strip())
    assert output.strip().startswith("hf_") and output.count("\n") == 1
    assert (token.user, token.role, token.name) == (alice, "read", "ci")


def test_createtoken_imports_a_known_value(alice):
    run("createtoken", "alice", "--value", "hf_KnownValueFromOldHub")

    assert token_authenticate(value="hf_KnownValueFromOldHub").user == alice
