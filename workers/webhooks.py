"""The way from the hub to the webhook workers."""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

from workers.celery import app

log = logging.getLogger(__name__)


def delivery_enqueue(delivery_id: int, *, number: int, countdown: float = 0) -> None:
    """Queues attempt `number` of delivery `delivery_id` (the `minihub.webhook_deliver`
    task on the default queue) `countdown` seconds after the current transaction commits.
    A broker that cannot take it leaves the delivery pending, and says so in the log."""

    def send() -> None:
        try:
            app.send_task(
                "minihub.webhook_deliver",
                args=[delivery_id, number],
                queue="default",
                countdown=countdown or None,
            )
        except OperationalError as exc:
            log.warning("webhook delivery %s not queued: %s", delivery_id, exc)

    transaction.on_commit(send)
