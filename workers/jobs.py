"""The way from the hub to the jobs workers (queue `jobs`): tasks are sent by name, so no
service imports the task module (workers/tasks/jobs.py)."""

import logging
from collections.abc import Callable

from django.db import transaction
from kombu.exceptions import OperationalError

from workers.celery import app

QUEUE = "jobs"

log = logging.getLogger(__name__)


def job_run_enqueue(job_id: str, *, unreachable: Callable[[str], None]) -> None:
    """Queues `minihub.job_run` once the current transaction commits; `unreachable(error)`
    runs instead when the broker cannot take it."""

    def send() -> None:
        try:
            app.send_task("minihub.job_run", args=[job_id], queue=QUEUE)
        except OperationalError as exc:
            log.warning("minihub.job_run for job %s not sent: %s", job_id, exc)
            unreachable(f"The task queue is unreachable: {exc}")

    transaction.on_commit(send)
