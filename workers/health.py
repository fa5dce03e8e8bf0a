"""Broker and worker checks for /api/health."""

import uuid

from celery.exceptions import TimeoutError as CeleryTimeout
from kombu.exceptions import OperationalError

from workers.celery import app


def broker_check(*, timeout: float) -> None:
    """Raises when the broker cannot be reached."""
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=timeout)


def worker_roundtrip(*, timeout: float) -> int:
    """Sends a real task and waits for a worker's answer; returns the worker's pid."""
    nonce = uuid.uuid4().hex
    result = app.send_task("minihub.ping", args=[nonce], expires=timeout)
    answer = result.get(timeout=timeout, interval=0.1)
    result.forget()
    if answer["nonce"] != nonce:
        raise RuntimeError("a worker answered with another task's nonce")
    return answer["pid"]


CHECK_ERRORS = (OSError, OperationalError, CeleryTimeout, RuntimeError)
