"""Evaluation tasks on the `eval` queue: thin, they take a job id and call the service.

A worker process that dies mid-job leaves its message unacknowledged (acks_late) and Celery
requeues it (reject_on_worker_lost); the service counts attempts and fails a job whose
workers keep dying. Any other failure of the task is recorded on the job.
"""

import os

from celery.signals import task_failure, worker_init
from celery.utils.log import get_task_logger
from django.conf import settings

from workers.celery import app

log = get_task_logger(__name__)
# A delivery that finds the job held by a live worker looks again this many times (a
# heartbeat apart) in case that worker died, then leaves the job to it.
_BUSY_LOOKS = 8


@worker_init.connect
def _offline(**kwargs) -> None:
    # Data sets load from snapshot directories only; nothing may reach for a hub.
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    os.environ["HF_HUB_OFFLINE"] = "1"


@app.task(
    name="minihub.evaluate",
    bind=True,
    queue="eval",
    ignore_result=True,
    # The last resort against a hung job; a job's own heartbeat covers dead workers.
    time_limit=settings.HUB_EVAL_TIME_LIMIT,
)
def run_evaluation(self, job_id: int) -> None:
    """Runs evaluation job `job_id`, unless it finished, was cancelled or runs elsewhere."""
    from evaluation.services.runs import JobBusy, job_run

    try:
        job_run(job_id=job_id)
    except JobBusy as busy:
        # Another worker holds the job and beats (a broker redelivery, or a worker that just
        # died on another machine): look again until its heartbeat would have gone stale.
        if self.request.retries >= _BUSY_LOOKS:
            log.info("evaluation job %s stays with the worker running it", job_id)
            return
        raise self.retry(countdown=busy.retry_in, max_retries=None) from None


@task_failure.connect(sender=run_evaluation)
def _record_failure(sender=None, task_id=None, exception=None, args=None, **kwargs) -> None:
    from evaluation.services.jobs import job_fail_unexpected

    if args:
        job_fail_unexpected(job_id=int(args[0]), error=f"{type(exception).__name__}: {exception}")
