"""The way from the web to the inference workers: enqueue a request, wait for its answer.

Each request is a Celery task whose id is the request's id. A worker publishes the answer
under that id with the result backend, `LOADING` first when it must load the model, so the
web can answer 503 at once while the worker keeps loading.
"""

import threading
import time

from celery import states
from kombu.exceptions import OperationalError

from workers.celery import app


class TaskFailed(RuntimeError):
    """The task ended without an answer."""


class WorkerLost(TaskFailed):
    """The worker process running the request died, twice (it is retried once)."""


class BrokerUnavailable(RuntimeError):
    """The request could not be queued."""


def inference_answer(*, request_id: str, timeout: float, accept_loading: bool) -> dict:
    """Queues request `request_id` and waits for the worker's answer.

    Returns {"output": ...}, {"error": ...}, or {"loading": ...} when `accept_loading`.
    Waiting for a model to load extends the deadline once by `timeout`. Raises TimeoutError,
    TaskFailed (WorkerLost) or BrokerUnavailable.
    """
    from workers.tasks.inference import answer_inference

    try:
        answer_inference.apply_async(args=[request_id], task_id=request_id, expires=timeout)
    except OperationalError as exc:
        raise BrokerUnavailable(str(exc)) from None
    try:
        return _wait(request_id, timeout, accept_loading)
    finally:
        app.backend.forget(request_id)


def _wait(request_id: str, timeout: float, accept_loading: bool) -> dict:
    from workers.tasks.inference import LOADING

    backend = app.backend
    deadline, extended, pause = time.monotonic() + timeout, False, 0.001
    while True:
        meta = backend.get_task_meta(request_id, cache=False)
        state = meta["status"]
        if state == states.SUCCESS or (state == LOADING and accept_loading):
            return meta["result"]
        if state == LOADING and not extended:
            deadline, extended = deadline + timeout, True
        if state == states.FAILURE:
            raise _failure(meta["result"])
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no answer within {timeout:.0f}s")
        # A read costs a Redis GET (or a file stat on the embedded default): poll often at
        # first, so a warm model's answer is seen within a few milliseconds of being stored.
        threading.Event().wait(min(pause, remaining))
        pause = min(pause * 1.3, 0.01)


def _failure(exc: BaseException) -> Exception:
    name = type(exc).__name__
    if name == "WorkerLostError":
        return WorkerLost(str(exc))
    if name in ("TimeLimitExceeded", "SoftTimeLimitExceeded"):
        return TimeoutError(str(exc))
    return TaskFailed(f"{name}: {exc}")


def widget_examples_enqueue(*, repo_pk: int, fingerprint: str) -> None:
    """Queues the computation of a repo's widget examples (after the current transaction)."""
    from django.db import transaction

    from workers.tasks.inference import compute_widget_examples

    transaction.on_commit(lambda: compute_widget_examples.delay(repo_pk, fingerprint))
