"""The way from the hub to the evaluation workers."""

from collections.abc import Callable

from django.db import transaction
from kombu.exceptions import OperationalError

from workers.celery import app


def evaluation_enqueue(job_id: int, *, unreachable: Callable[[str], None]) -> None:
    """Queues job `job_id` (the `minihub.evaluate` task) once the current transaction commits;
    `unreachable(error)` runs instead when the broker cannot take it."""

    def send() -> None:
        try:
            app.send_task("minihub.evaluate", args=[job_id], queue="eval")
        except OperationalError as exc:
            unreachable(f"The task queue is unreachable: {exc}")

    transaction.on_commit(send)
