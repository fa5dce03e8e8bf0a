"""A job's log as server-sent events, as fetch_job_logs reads them.

Each event is `data: {"data": <line>, "timestamp": <when it was written>}`. The log so far is
replayed from its start (or its last `tail` lines) the same way every time: the client
counts events and, when it reconnects with follow=True, skips the ones it has. Then, while
the job has not ended, new lines follow as they are written, with a keep-alive comment now
and then; the stream ends when the job has ended and its log is read, or after a while
without a new line (a following client checks the job's stage and reconnects).
"""

import json
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from jobs.models import Job
from jobs.selectors import job_log_path

_IDLE_SECONDS = 30
_KEEP_ALIVE_SECONDS = 10
_POLL_SECONDS = 0.25
_READ = 64 * 1024


def _event(stamp: str, text: str) -> bytes:
    return b"data: " + json.dumps({"data": text, "timestamp": stamp}).encode() + b"\n\n"


def _split(raw: bytes) -> bytes:
    stamp, _, text = raw.decode("utf-8", "replace").partition(" ")
    return _event(stamp, text)


def log_events(*, job: Job, tail: int | None) -> Iterator[bytes]:
    path = job_log_path(job.id)
    offset, pending = 0, b""
    if tail is not None:
        offset, lines = _tail(path, tail)
        if lines:
            yield b"".join(_split(raw) for raw in lines)
    idle_since = last_sent = time.monotonic()
    while time.monotonic() - idle_since < _IDLE_SECONDS:
        ended = _ended(job.pk)  # read before the file: an end seen means its lines are there
        data = _read(path, offset)
        if data:
            offset += len(data)
            *lines, pending = (pending + data).split(b"\n")
            idle_since = last_sent = time.monotonic()
            yield b"".join(_split(raw) for raw in lines)
            continue
        if ended:
            return
        if time.monotonic() - last_sent > _KEEP_ALIVE_SECONDS:
            last_sent = time.monotonic()
            yield b": keep-alive\n\n"
        time.sleep(_POLL_SECONDS)


def _read(path: Path, offset: int) -> bytes:
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            return handle.read(_READ)
    except FileNotFoundError:
        return b""


def _ended(job_pk: str) -> bool:
    stage = Job.objects.filter(pk=job_pk).values_list("stage", flat=True).first()
    return stage not in {Job.Stage.SCHEDULING, Job.Stage.RUNNING}


def _tail(path: Path, count: int) -> tuple[int, list[bytes]]:
    """The last `count` complete lines of the log, and the offset just past them."""
    kept: deque[bytes] = deque(maxlen=max(count, 0))
    offset, pending = 0, b""
    while data := _read(path, offset + len(pending)):
        *lines, pending = (pending + data).split(b"\n")
        offset += sum(len(line) + 1 for line in lines)
        kept.extend(lines)
    return offset, list(kept)
