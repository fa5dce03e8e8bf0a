"""The audit log's flusher in worker processes (commits and conversions they make are
events too). The service is imported inside the hook: this module is imported when the
Celery app is created, before Django's apps are ready."""

from celery import signals


@signals.worker_process_init.connect
@signals.worker_ready.connect
def _start_audit_flusher(**kwargs) -> None:
    # A prefork child (worker_process_init) and a solo or threaded worker (worker_ready)
    # each move their own spool; starting twice in one process is a no-op.
    from audit.services import flusher_start

    flusher_start()
