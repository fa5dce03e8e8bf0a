"""The way from the hub to the provenance tasks (default queue): sent by name, so the
provenance app never imports the task module."""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

from workers.celery import app

log = logging.getLogger(__name__)


def signature_check_enqueue(check_pk: int) -> None:
    """Queues the verification of one commit's signature once the transaction commits; a
    broker that cannot take it leaves the verdict pending, logged."""

    def send() -> None:
        try:
            app.send_task("minihub.signature_check", args=[check_pk], queue="default")
        except OperationalError as exc:
            log.warning("signature check %s not queued: %s", check_pk, exc)

    transaction.on_commit(send)
