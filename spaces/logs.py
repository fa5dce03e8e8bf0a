"""A Space's build or run log as server-sent events, for the API and the Logs page."""

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from registry.models import Repo
from registry.sealing import SecretUnreadable
from spaces.selectors import log_redact, space_log_path, space_secret_values

# After the last new line, how long the stream waits for more before it ends (a following
# client reconnects): bounds the web thread a reader holds.
_IDLE_SECONDS = 10
_POLL_SECONDS = 0.5
_READ = 64 * 1024


def _event(line: str) -> bytes:
    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    return b"data: " + json.dumps({"data": line, "timestamp": stamp}).encode() + b"\n\n"


def log_events(*, repo: Repo, kind: str) -> Iterator[bytes]:
    """Every complete line of the log, secrets masked, then new lines as they are written,
    until none came for a while. A log replaced by a new build is read from its start.
    While a secret cannot be opened it cannot be masked: the one line says why instead."""
    path = space_log_path(repo=repo, kind=kind)
    try:
        secrets = space_secret_values(repo=repo)
    except SecretUnreadable as unreadable:
        yield _event(f"{unreadable}\n")
        return
    offset, pending, idle_since = 0, b"", time.monotonic()
    while time.monotonic() - idle_since < _IDLE_SECONDS:
        try:
            size = path.stat().st_size
            if size < offset:
                offset, pending = 0, b""
            with path.open("rb") as handle:
                handle.seek(offset)
                data = handle.read(_READ)
        except FileNotFoundError:
            data = b""
        if not data:
            time.sleep(_POLL_SECONDS)
            continue
        offset += len(data)
        idle_since = time.monotonic()
        *lines, pending = (pending + data).split(b"\n")
        for line in lines:
            yield _event(log_redact(line.decode("utf-8", "replace"), secrets=secrets) + "\n")
