"""Moving spooled events into the database, and the retention sweep. The flusher thread
runs both in every web and worker process; `manage.py auditexport` and `auditsweep` too."""

import atexit
import json
import logging
import os
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from audit.models import AuditEvent
from audit.spool import orphans_take, spool_hand_over

_log = logging.getLogger("minihub.audit")
_BATCH = 500
_SWEEP_SECONDS = 3600
_started: dict[int, threading.Thread] = {}  # by pid: a forked child starts its own


def _row(line: dict) -> AuditEvent:
    return AuditEvent(
        event_id=line["id"],
        at=datetime.fromisoformat(line["at"]),
        action=line["action"],
        actor=line["actor"],
        actor_id=line["actorId"],
        token_id=line["tokenId"],
        token_name=line["tokenName"],
        namespace=line["namespace"],
        repo=line["repo"],
        repo_type=line["repoType"],
        revision=line["revision"],
        path=line["path"],
        bytes=line["bytes"],
        address=line["address"],
        request_id=line["requestId"],
        detail=line["detail"],
    )


def _rows(path: Path) -> list[AuditEvent]:
    rows = []
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        try:
            rows.append(_row(json.loads(raw)))
        except (ValueError, KeyError):
            # A line torn by a kill in the middle of its write: the rest still count.
            _log.warning("audit spool %s: line %d is not an event; skipped", path.name, number)
    return rows


def _ingest(path: Path, fd: int) -> int:
    """Inserts a spool file's events (again, harmlessly, if a flusher died after inserting
    and before unlinking), then removes the file."""
    try:
        rows = _rows(path)
        AuditEvent.objects.bulk_create(rows, batch_size=_BATCH, ignore_conflicts=True)
        path.unlink(missing_ok=True)
    finally:
        os.close(fd)
    return len(rows)


def spool_flush() -> int:
    """Moves this process's spooled events, and those of dead processes, into the log."""
    taken = orphans_take()
    own = spool_hand_over()
    if own is not None:
        taken.append(own)
    return sum(_ingest(path, fd) for path, fd in taken)


def audit_sweep(*, now: datetime | None = None) -> int:
    """Deletes the events older than HUB_AUDIT_RETENTION_DAYS; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.HUB_AUDIT_RETENTION_DAYS)
    return AuditEvent.objects.filter(at__lt=cutoff).expired_delete()


def _run() -> None:
    swept = 0.0
    while True:
        try:
            spool_flush()
            if time.monotonic() - swept > _SWEEP_SECONDS:
                audit_sweep()
                swept = time.monotonic()
        except (DatabaseError, OSError):
            # The database or the disk is away: the spool keeps the events until it is back.
            _log.exception("audit flush failed; retrying")
        finally:
            close_old_connections()
        time.sleep(settings.HUB_AUDIT_FLUSH_MS / 1000)


def _flush_at_exit() -> None:
    try:
        spool_flush()
    except (DatabaseError, OSError):
        _log.exception("audit flush at exit failed; the next start ingests the spool")


def flusher_start() -> None:
    """Starts this process's flusher (once), which first ingests dead processes' spools."""
    if not settings.HUB_AUDIT or os.getpid() in _started:
        return
    thread = threading.Thread(target=_run, name="audit-flusher", daemon=True)
    _started[os.getpid()] = thread
    thread.start()
    atexit.register(_flush_at_exit)
