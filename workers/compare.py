"""The way from the compare view to its data diff worker (`minihub.compare_tensors`, on the
default queue): sent by name, so the compare app never imports the task module."""

from collections.abc import Callable

from django.db import transaction
from kombu.exceptions import OperationalError

from workers.celery import app


def tensor_diff_enqueue(pk: int, *, unreachable: Callable[[str], None]) -> None:
    """Queues data diff `pk` once the current transaction commits; `unreachable(error)` runs
    instead when the broker cannot take it."""

    def send() -> None:
        try:
            app.send_task("minihub.compare_tensors", args=[pk], queue="default")
        except OperationalError as exc:
            unreachable(f"The task queue is unreachable: {exc}")

    transaction.on_commit(send)
