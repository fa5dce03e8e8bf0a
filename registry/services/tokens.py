import hashlib
import hmac
import re
import secrets
import string
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.errors import Conflict, InvalidCredentials, InvalidName
from registry.models import AccessToken, User
from registry.signals import audit_send

TOKEN_PREFIX = "hf_"
_ALPHABET = string.ascii_letters
_IMPORTED_RE = re.compile(r"^hf_[A-Za-z0-9_-]{8,200}$")
# Writing last_used_at on every request would turn each read into a write.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def token_create(
    *, user: User, name: str, role: str, value: str | None = None
) -> tuple[AccessToken, str]:
    """Creates a token and returns it with its value, which is never retrievable again."""
    if role not in AccessToken.TokenRole.values:
        raise InvalidName(f"Token role must be 'read' or 'write'; got '{role}'")
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidName("A token name of 1 to 100 characters is required")
    if value is None:
        value = TOKEN_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(34))
    elif not _IMPORTED_RE.fullmatch(value):
        raise InvalidName(
            "An imported token must start with 'hf_' followed by 8-200 of [A-Za-z0-9_-]"
        )
    try:
        with transaction.atomic():
            token = AccessToken.objects.create(
                user=user, name=name, role=role, key_hash=_hash(value), last_four=value[-4:]
            )
    except IntegrityError:
        raise Conflict("This token value is already in use") from None
    # The token acted on is named in the detail; `token=` is the one an actor came with.
    audit_send(action="token.create", user=user, tokenId=str(token.public_id), name=name, role=role)
    return token, value


def token_authenticate(*, value: str) -> AccessToken:
    """The live token with this value, its last use recorded; InvalidCredentials otherwise."""
    digest = _hash(value.strip())
    token = (
        AccessToken.objects.select_related("user")
        .filter(key_hash=digest, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    # The lookup is by hash; the constant-time comparison guards against a database
    # collation or index that would match more loosely than byte equality.
    if token is None or not hmac.compare_digest(token.key_hash, digest):
        raise InvalidCredentials()
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_revoke(*, user: User, public_id: str) -> None:
    token = AccessToken.objects.filter(
        user=user, public_id=public_id, revoked_at__isnull=True
    ).first()
    if token is None:
        return
    AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    audit_send(action="token.revoke", user=user, tokenId=str(token.public_id), name=token.name)
