"""Inference tasks: thin, they take ids and call the inference service.

The service modules are imported inside the tasks: this module is imported when the Celery
app is created, before Django's apps are ready.
"""

import os

from celery import states
from celery.signals import worker_init
from django.conf import settings

from workers.celery import app

# The state a request's answer has while its model loads (then SUCCESS).
LOADING = "LOADING"


@worker_init.connect
def _offline(**kwargs) -> None:
    # Workers load models from snapshot directories only; nothing may reach for a hub.
    os.environ["HF_HUB_OFFLINE"] = "1"


@app.task(
    name="minihub.inference",
    queue="inference",
    # Answers are published per request id by the service (a batch answers many requests).
    ignore_result=True,
    store_errors_even_if_ignored=True,
    # A worker process killed mid-batch: the batch runs once more, then fails cleanly.
    retry_on_worker_lost=True,
    max_retries=1,
    default_retry_delay=0,
    # A last resort against a hung batch; loading a model may take as long as answering.
    time_limit=2 * settings.HUB_INFERENCE_TIMEOUT,
)
def answer_inference(request_id: str) -> None:
    """Answers request `request_id` and the other pending requests for its model."""
    from inference.services import inference_batch_run

    inference_batch_run(request_id=request_id, publish=_publish)


def _publish(request_id: str, answer: dict) -> None:
    state = LOADING if "loading" in answer else states.SUCCESS
    app.backend.store_result(request_id, answer, state)


@app.task(name="minihub.widget_examples", queue="inference", ignore_result=True)
def compute_widget_examples(repo_pk: int, fingerprint: str) -> None:
    """Computes the outputs of a repo's card widget examples."""
    from inference.services import widget_examples_compute

    widget_examples_compute(repo_pk=repo_pk, fingerprint=fingerprint)
