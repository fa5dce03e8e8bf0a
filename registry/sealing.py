"""Secrets sealed at rest: values the hub hands back to user code (a Space's secrets, a Job's)
are stored encrypted, and opened only where that code's environment is assembled.

Fernet (AES-128-CBC with HMAC-SHA256) under the keys of HUB_SECRETS_KEYS: the first seals,
every one opens, so operators rotate by putting a new key first (`manage.py resealsecrets`
then moves every value onto it). Unset, the one key is the hub's SECRET_KEY. Each Fernet key
is derived from its setting with HKDF-SHA256, so any long random string is a key, and an
install that starts setting HUB_SECRETS_KEYS keeps its values by listing the old SECRET_KEY
second.
"""

import base64
import binascii
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.db import models

_INFO = b"minihub sealed secrets"
# A Fernet token: version 0x80, 8 bytes of time, 16 of IV, AES blocks, 32 of HMAC.
_VERSION, _OVERHEAD, _BLOCK = 0x80, 1 + 8 + 16 + 32, 16


class SecretUnreadable(Exception):
    """No key of the hub's opens a sealed value: the key that sealed it was removed."""


class SealedTextField(models.TextField):
    """A column that holds sealed values only: write `seal(value)`, read with `unseal`.
    Saving anything else is refused, so no writer can store a plaintext by mistake."""

    def get_prep_value(self, value: object) -> object:
        value = super().get_prep_value(value)
        if value is not None and not _is_token(value):
            raise ValueError(f"{self.model.__name__}.{self.name} holds sealed values only")
        return value


def seal(plaintext: str) -> str:
    """`plaintext` encrypted and authenticated under the first key."""
    return _fernet(_keys()).encrypt(plaintext.encode()).decode()


def unseal(token: str) -> str:
    """The plaintext of a sealed value; SecretUnreadable when no key opens it."""
    try:
        return _fernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("no key of HUB_SECRETS_KEYS opens this value") from None


def secrets_reseal() -> tuple[int, int]:
    """Seals every sealed column of every app again under the first key, so older keys can
    be dropped; a row changed meanwhile keeps its new value. Returns (resealed, unreadable)."""
    fernet, resealed, unreadable = _fernet(_keys()), 0, 0
    for model, field in _sealed_columns():
        for pk, token in list(model._default_manager.values_list("pk", field)):
            try:
                fresh = fernet.rotate(token.encode()).decode()
            except InvalidToken:
                unreadable += 1
                continue
            resealed += model._default_manager.filter(pk=pk, **{field: token}).update(
                **{field: fresh}
            )
    return resealed, unreadable


def _sealed_columns() -> list[tuple[type[models.Model], str]]:
    return [
        (model, field.attname)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, SealedTextField)
    ]


def _keys() -> tuple[str, ...]:
    return tuple(settings.HUB_SECRETS_KEYS) or (settings.SECRET_KEY,)


@functools.lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_derive(key)) for key in keys])


def _derive(key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(key.encode()))


def _is_token(value: object) -> bool:
    try:
        raw = base64.urlsafe_b64decode(value)
    except (TypeError, ValueError, binascii.Error):
        return False
    body = len(raw) - _OVERHEAD
    return raw[:1] == bytes([_VERSION]) and body >= _BLOCK and body % _BLOCK == 0
