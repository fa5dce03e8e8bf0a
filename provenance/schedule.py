"""The sync sweep: a thread in each default-queue worker checks, every few seconds, which
imports kept in sync are due (`HUB_IMPORT_SYNC_INTERVAL`) and syncs them one by one."""

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections

from provenance.importing import import_sync_run, syncs_due

log = logging.getLogger(__name__)
_sweeper: threading.Thread | None = None
_sweeper_lock = threading.Lock()


def sync_sweeper_start() -> None:
    """The sweep's thread in this process, once."""
    global _sweeper
    with _sweeper_lock:
        if _sweeper is None or not _sweeper.is_alive():
            _sweeper = threading.Thread(target=_sweep, name="import-sync", daemon=True)
            _sweeper.start()


def _sweep() -> None:
    while True:
        time.sleep(min(settings.HUB_IMPORT_SYNC_INTERVAL, 10))
        close_old_connections()
        try:
            for record_pk in syncs_due():
                import_sync_run(record_pk=record_pk)
        except Exception:  # the loop outlives a database or network hiccup; next round retries
            log.exception("import sync sweep failed")
