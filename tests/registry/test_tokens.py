import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from registry.errors import Conflict, InvalidCredentials, InvalidName
from registry.models import AccessToken
from registry.services.tokens import token_authenticate, token_create, token_revoke


def test_a_token_starts_with_hf_and_only_its_hash_is_stored(alice):
    token, value = token_create(user=alice, name="laptop", role="write")

    assert value.startswith("hf_") and len(value) == 37
    stored = AccessToken.objects.values_list("key_hash", "last_four").get(pk=token.pk)
    assert stored == (hashlib.sha256(value.encode()).hexdigest(), value[-4:])
    assert not AccessToken.objects.filter(key_hash__contains=value[3:]).exists()


def test_authentication_returns_the_token_and_records_its_use(alice):
    _, value = token_create(user=alice, name="ci", role="read")

    token = token_authenticate(value=value)

    assert (token.user, token.role, token.name) == (alice, "read", "ci")
    assert token.last_used_at is not None
    assert AccessToken.objects.get(pk=token.pk).last_used_at is not None


def test_last_use_is_written_at_most_once_a_minute(alice):
    _, value = token_create(user=alice, name="ci", role="read")
    first = token_authenticate(value=value).last_used_at

    assert token_authenticate(value=value).last_used_at == first
    AccessToken.objects.update(last_used_at=first - timedelta(minutes=5))
    assert token_authenticate(value=value).last_used_at > first - timedelta(minutes=5)


def test_a_revoked_token_no_longer_authenticates(alice):
    token, value = token_create(user=alice, name="old", role="write")

    token_revoke(user=alice, public_id=str(token.public_id))

    assert AccessToken.objects.get(pk=token.pk).revoked_at <= timezone.now()
    with pytest.raises(InvalidCredentials):
        token_authenticate(value=value)


def test_an_unknown_token_is_invalid_credentials(db):
    with pytest.raises(InvalidCredentials, match="Invalid credentials in Authorization header"):
        token_authenticate(value="hf_" + "x" * 34)


def test_a_known_value_can_be_imported_once(alice, bob):
    value = "hf_MigratedFromAnotherHub123"

    token_create(user=alice, name="imported", role="write", value=value)

    assert token_authenticate(value=value).user == alice
    with pytest.raises(Conflict):
        token_create(user=bob, name="again", role="write", value=value)
    with pytest.raises(InvalidName):
        token_create(user=bob, name="bad", role="write", value="not-a-hub-token")


def test_a_token_role_must_be_read_or_write(alice):
    with pytest.raises(InvalidName):
        token_create(user=alice, name="x", role="admin")
