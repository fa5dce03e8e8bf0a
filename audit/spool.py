"""Each process's spool of audit events: one O_APPEND write per event, no fsync, no database.

A process appends to a file of its own, holding an exclusive flock on it for as long as it
lives; the flusher hands the file over (a new one takes the appends) and ingests it. A file
nobody holds a lock on belongs to a process that died: any flusher ingests it. Events
carry their own ids, so ingesting a file twice (a flusher killed half-way) adds nothing.
"""

import fcntl
import json
import os
import threading
import uuid
from pathlib import Path

from django.conf import settings

_SUFFIX = ".jsonl"


def spool_dir() -> Path:
    return settings.HUB_DATA_DIR / "audit-spool"


class _Spool:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # appends against the hand-over; uncontended: ~50ns
        self._fd: int | None = None
        self._path: Path | None = None
        self._pid: int | None = None

    def append(self, line: bytes) -> None:
        with self._lock:
            if self._pid != os.getpid():
                self._open()
            os.write(self._fd, line)

    def hand_over(self) -> tuple[Path, int] | None:
        """This process's file and its descriptor (the caller ingests, unlinks, closes), a
        new file taking the appends; None when nothing was appended."""
        with self._lock:
            if self._pid != os.getpid() or os.fstat(self._fd).st_size == 0:
                return None
            taken = (self._path, self._fd)
            self._open()
            return taken

    def own(self, path: Path) -> bool:
        return path == self._path and self._pid == os.getpid()

    def _open(self) -> None:
        """A new locked file; created under a hidden name and renamed once locked, so no
        flusher can take it for a dead process's in between."""
        if self._pid not in (None, os.getpid()) and self._fd is not None:
            os.close(self._fd)  # a forked child's copy of its parent's descriptor
        directory = spool_dir()
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        hidden = directory / f".{name}.tmp"
        fd = os.open(hidden, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        path = directory / f"{name}{_SUFFIX}"
        os.rename(hidden, path)
        self._fd, self._path, self._pid = fd, path, os.getpid()


_spool = _Spool()


def spool_append(event: dict) -> None:
    _spool.append(json.dumps(event, separators=(",", ":")).encode() + b"\n")


def spool_hand_over() -> tuple[Path, int] | None:
    return _spool.hand_over()


def orphans_take() -> list[tuple[Path, int]]:
    """Spool files of processes that died (no lock held), each locked for the caller."""
    taken = []
    directory = spool_dir()
    if not directory.is_dir():
        return taken
    for path in sorted(directory.glob(f"*{_SUFFIX}")):
        if _spool.own(path):
            continue
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:  # another flusher ingested it meanwhile
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # a live process's
            os.close(fd)
            continue
        if not path.exists():  # ingested and unlinked between our listing and our lock
            os.close(fd)
            continue
        taken.append((path, fd))
    return taken
