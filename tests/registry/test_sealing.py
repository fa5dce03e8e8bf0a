"""Secrets sealed at rest (registry/sealing.py): what a key opens, rotation, a lost key."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.models import Namespace, Repo
from registry.sealing import SecretUnreadable, seal, unseal
from spaces.models import SpaceSecret

OLD_KEY = "old-key-" + "o" * 40
NEW_KEY = "new-key-" + "n" * 40
OTHER_KEY = "other-key-" + "x" * 40


def test_a_sealed_value_opens_to_its_plaintext_and_does_not_contain_it(settings):
    settings.HUB_SECRETS_KEYS = [NEW_KEY]
    token = seal("hf_supersecret")

    assert "hf_supersecret" not in token
    assert seal("hf_supersecret") != token  # a fresh IV each time: equal values look unequal
    assert unseal(token) == "hf_supersecret"


def test_without_keys_the_secret_key_seals_so_listing_it_second_keeps_old_values(settings):
    settings.HUB_SECRETS_KEYS = []
    token = seal("hf_supersecret")

    settings.HUB_SECRETS_KEYS = [NEW_KEY, settings.SECRET_KEY]
    assert unseal(token) == "hf_supersecret"
    settings.HUB_SECRETS_KEYS = [NEW_KEY]
    with pytest.raises(SecretUnreadable):
        unseal(token)


def test_after_a_rotation_the_old_key_still_opens_and_new_values_use_the_first(settings):
    settings.HUB_SECRETS_KEYS = [OLD_KEY]
    before = seal("sealed before")

    settings.HUB_SECRETS_KEYS = [NEW_KEY, OLD_KEY]
    after = seal("sealed after")
    assert unseal(before) == "sealed before"
    assert unseal(after) == "sealed after"

    settings.HUB_SECRETS_KEYS = [NEW_KEY]
    assert unseal(after) == "sealed after"
    with pytest.raises(SecretUnreadable):
        unseal(before)


def test_a_value_sealed_under_a_removed_key_is_a_clear_error(settings):
    settings.HUB_SECRETS_KEYS = [OLD_KEY]
    token = seal("hf_supersecret")

    settings.HUB_SECRETS_KEYS = [OTHER_KEY]
    with pytest.raises(SecretUnreadable, match="no key of HUB_SECRETS_KEYS opens this value"):
        unseal(token)


def test_a_tampered_value_does_not_open(settings):
    settings.HUB_SECRETS_KEYS = [NEW_KEY]
    token = seal("hf_supersecret")
    flipped = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]

    with pytest.raises(SecretUnreadable):
        unseal(flipped)


@pytest.mark.django_db
def test_resealsecrets_moves_every_value_to_the_first_key_so_the_old_one_can_go(settings):
    secret = _space_secret(settings, key=OLD_KEY, value="hf_old")
    settings.HUB_SECRETS_KEYS = [NEW_KEY, OLD_KEY]

    call_command("resealsecrets")

    settings.HUB_SECRETS_KEYS = [NEW_KEY]
    secret.refresh_from_db()
    assert unseal(secret.value) == "hf_old"


@pytest.mark.django_db
def test_resealsecrets_names_what_no_key_opens_and_leaves_it(settings):
    secret = _space_secret(settings, key=OTHER_KEY, value="hf_lost")
    before = secret.value
    settings.HUB_SECRETS_KEYS = [NEW_KEY, OLD_KEY]

    with pytest.raises(CommandError, match="1 secrets open with none of the keys"):
        call_command("resealsecrets")
    secret.refresh_from_db()
    assert secret.value == before


@pytest.mark.django_db
def test_a_sealed_column_refuses_a_plaintext(settings):
    secret = _space_secret(settings, key=NEW_KEY, value="hf_supersecret")

    secret.value = "hf_supersecret"
    with pytest.raises(ValueError, match="SpaceSecret.value holds sealed values only"):
        secret.save()


def _space_secret(settings, *, key: str, value: str):
    # The sealed column the hub has today, rows made directly: the services are not the
    # subject here (tests/spaces/test_secrets_sealed.py covers them).
    namespace = Namespace.objects.create(name="alice", kind=Namespace.Kind.USER)
    repo = Repo.objects.create(namespace=namespace, name="demo", type=Repo.Type.SPACE)
    settings.HUB_SECRETS_KEYS = [key]
    return SpaceSecret.objects.create(repo=repo, key="HF_TOKEN", value=seal(value))
