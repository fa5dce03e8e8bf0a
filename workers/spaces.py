"""The way from the hub to the Spaces workers (queue `spaces`): tasks are sent by name, so
no service imports the task module (workers/tasks/spaces.py)."""

import logging
from collections.abc import Callable

from django.db import transaction
from kombu.exceptions import OperationalError

from workers.celery import app

QUEUE = "spaces"

log = logging.getLogger(__name__)


def _send_on_commit(name: str, space_pk: int, unreachable: Callable[[str], None] | None) -> None:
    def send() -> None:
        try:
            app.send_task(name, args=[space_pk], queue=QUEUE)
        except OperationalError as exc:
            log.warning("%s for space %s not sent: %s", name, space_pk, exc)
            if unreachable is not None:
                unreachable(f"The task queue is unreachable: {exc}")

    transaction.on_commit(send)


def space_build_enqueue(space_pk: int, *, unreachable: Callable[[str], None] | None = None) -> None:
    """Queues `minihub.space_build` for the Space whose repo pk is `space_pk` once the current
    transaction commits (build or reuse its environment, then run it); `unreachable(error)`
    runs instead when the broker cannot take it."""
    _send_on_commit("minihub.space_build", space_pk, unreachable)


def space_stop_enqueue(space_pk: int) -> None:
    """Queues `minihub.space_stop`: the worker running the Space stops its process."""
    _send_on_commit("minihub.space_stop", space_pk, None)
