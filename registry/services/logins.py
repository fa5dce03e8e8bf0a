"""Sign-in throttling: failed password attempts counted per username and per client address."""

import math
import time

from django.conf import settings
from django.core.cache import cache

from registry import errors


def _user_key(username: str) -> str:
    return f"login-failures:user:{username.strip().lower()}"


def _keys(*, username: str, address: str) -> list[str]:
    return [_user_key(username), f"login-failures:ip:{address}"]


def login_attempt_check(*, username: str, address: str) -> None:
    """Raises TooManyRequests while the username or the address has HUB_LOGIN_ATTEMPTS
    failures in the current window; the password is then not even checked."""
    limit = settings.HUB_LOGIN_ATTEMPTS
    counts = cache.get_many(_keys(username=username, address=address))
    if any(count >= limit for count, _ in counts.values()):
        ends = max(until for count, until in counts.values() if count >= limit)
        minutes = max(1, math.ceil((ends - time.time()) / 60))
        raise errors.TooManyRequests(
            f"Too many failed sign-in attempts for this account or from this address. "
            f"Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
            headers={"Retry-After": str(minutes * 60)},
        )


def login_failure_record(*, username: str, address: str) -> None:
    """Counts one failure against both; a window starts at the first failure."""
    window = settings.HUB_LOGIN_WINDOW_SECONDS
    for key in _keys(username=username, address=address):
        count, until = cache.get(key, (0, time.time() + window))
        # (count, end of window) in one value: a read-modify-write that may undercount under
        # concurrent failures, never lock anyone out for longer than the window.
        cache.set(key, (count + 1, until), timeout=max(1, math.ceil(until - time.time())))


def login_success_record(*, username: str) -> None:
    """A successful sign-in clears the account's failures. The address keeps its count, so
    signing in to one's own account between guesses at others does not reset the limit."""
    cache.delete(_user_key(username))
