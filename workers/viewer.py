"""The way from the hub to the dataset viewer's converter (`minihub.viewer_convert`, on the
`viewer` queue): sent by name, so the viewer app never imports the task module. The queue
has a worker of its own, so converting a large dataset never delays the default queue's
inference and evaluation tasks."""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

from workers.celery import app

QUEUE = "viewer"

log = logging.getLogger(__name__)


def conversion_enqueue(repo_pk: int) -> None:
    """Queues the conversion of dataset `repo_pk`'s main once the current transaction
    commits; a broker that cannot take it leaves the conversion pending, logged."""

    def send() -> None:
        try:
            app.send_task("minihub.viewer_convert", args=[repo_pk], queue=QUEUE)
        except OperationalError as exc:
            log.warning("conversion of dataset %s not queued: %s", repo_pk, exc)

    transaction.on_commit(send)
