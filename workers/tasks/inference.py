"""Inference tasks: thin, they take ids and call the inference service.

The service modules are imported inside the tasks: this module is imported when the Celery
app is created, before Django's apps are ready.
"""

import os

from billiard.exceptions import WorkerLostError
from celery.exceptions import TimeLimitExceeded
from celery.signals import task_failure, worker_init
from django.conf import settings

from workers.celery import app


@worker_init.connect
def _offline(**kwargs) -> None:
    # Workers load models from snapshot directories only; nothing may reach for a hub.
    os.environ["HF_HUB_OFFLINE"] = "1"


@app.task(
    name="minihub.inference",
    queue="inference",
    # Answers go to each request's own channel (a batch answers many requests).
    ignore_result=True,
    # A worker process killed mid-batch: the batch runs once more, then fails cleanly.
    retry_on_worker_lost=True,
    max_retries=1,
    default_retry_delay=0,
    # A last resort against a hung batch; loading a model may take as long as answering.
    time_limit=2 * settings.HUB_INFERENCE_TIMEOUT,
)
def answer_inference(model: str) -> None:
    """Answers a batch of the pending requests for `model` (the task's id names the claim)."""
    from inference.services import inference_batch_run

    inference_batch_run(claim_id=answer_inference.request.id, model=model)


@task_failure.connect(sender=answer_inference)
def _answer_failure(task_id: str, exception: BaseException, **kwargs) -> None:
    """A batch that will not run again answers its requests with the reason at once.

    Runs in the worker's main process for a lost process or a hard time limit, in the pool
    process for an error raised by the task.
    """
    from inference.errors import InferenceFailed, InferenceTimeout, InferenceWorkerLost
    from inference.services import inference_batch_fail

    if isinstance(exception, WorkerLostError):
        error = InferenceWorkerLost()
    elif isinstance(exception, TimeLimitExceeded):
        error = InferenceTimeout(f"The batch ran past its time limit ({exception})")
    else:
        error = InferenceFailed(f"Inference failed: {type(exception).__name__}: {exception}")
    inference_batch_fail(claim_id=task_id, error=error)


@app.task(name="minihub.widget_examples", queue="inference", ignore_result=True)
def compute_widget_examples(repo_pk: int, fingerprint: str) -> None:
    """Computes the outputs of a repo's card widget examples."""
    from inference.services import widget_examples_compute

    widget_examples_compute(repo_pk=repo_pk, fingerprint=fingerprint)
