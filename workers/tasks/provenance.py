"""Provenance tasks (default queue). Thin: the services do the work; imported inside the
task because this module loads before Django's apps are ready."""

from celery import signals

from workers.celery import app


@app.task(name="minihub.signature_check", ignore_result=True)
def signature_check(check_pk: int) -> None:
    """Verifies the model signature of the commit a SignatureCheck row names."""
    from provenance.services import signature_check_run

    signature_check_run(check_pk=check_pk)


@signals.worker_ready.connect
def _sync_sweep(sender=None, **kwargs) -> None:
    # Each default-queue worker checks the sources of imports kept in sync.
    if "default" in {queue.name for queue in sender.task_consumer.queues}:
        from provenance.schedule import sync_sweeper_start

        sync_sweeper_start()
