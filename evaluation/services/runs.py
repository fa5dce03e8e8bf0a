"""Evaluation jobs, worker side: claim a job, run it with a heartbeat, record the outcome.

A run claims the job with a random token; every later write (progress, heartbeat, outcome)
is conditional on that claim and on the job still running, so a cancelled job or one that
another worker took over is never overwritten.
"""

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone

from evaluation.models import EvaluationJob
from evaluation.services.jobs import MAX_ATTEMPTS, job_log, jobs_reap_stale
from registry.errors import HubError

log = logging.getLogger(__name__)
State = EvaluationJob.State


class JobBusy(Exception):
    """Another worker holds the job and still beats; `retry_in` is one heartbeat."""

    def __init__(self, retry_in: int):
        super().__init__(f"held by a live worker; retry in {retry_in}s")
        self.retry_in = retry_in


class JobStopped(Exception):
    """The job was cancelled, or taken over, while this run was on it."""


def job_run(*, job_id: int) -> None:
    """Runs job `job_id` to its end, unless it finished, was cancelled or is held elsewhere.

    Raises JobBusy when a live worker holds it. Model and data errors fail the job.
    """
    from evaluation.worker.runner import execute

    jobs_reap_stale()  # workers look for abandoned jobs too, not only pages that show them
    job = _claim(job_id)
    if job is None:
        return
    try:
        with _Heartbeat(job):
            outcome = execute(job, progress=_Progress(job), log=lambda text: job_log(job.pk, text))
    except JobStopped:
        log.info("evaluation job %s stopped: cancelled or taken over", job_id)
        return
    except HubError as exc:
        _finish(job, state=State.FAILED, error=exc.message)
        return
    done = _finish(
        job,
        state=State.SUCCEEDED,
        results=outcome.results,
        samples=outcome.samples,
        environment=outcome.environment,
        progress_done=outcome.total,
    )
    if done:
        from evaluation.services.proposals import proposals_for_leaderboards

        proposals_for_leaderboards(job=EvaluationJob.objects.get(pk=job.pk))


def _claim(job_id: int) -> EvaluationJob | None:
    with transaction.atomic():
        job = (
            EvaluationJob.objects.select_for_update()
            .select_related("model_repo__namespace", "dataset_repo__namespace")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.finished:
            return None
        note = f"attempt {job.attempts + 1} started on {socket.gethostname()} (pid {os.getpid()})"
        if job.state == State.RUNNING:
            if _holder_alive(job):
                raise JobBusy(heartbeat_seconds())
            note += f"; the worker of attempt {job.attempts} stopped"
        if job.attempts >= MAX_ATTEMPTS:
            error = f"The workers running this job stopped {job.attempts} times"
            _fail_now(job, error)
            return None
        job.state, job.claim = State.RUNNING, uuid.uuid4().hex
        job.attempts += 1
        job.worker_host, job.worker_pid = socket.gethostname(), os.getpid()
        job.started_at = job.heartbeat_at = timezone.now()
        job.progress_done, job.error = 0, ""
        job.save(
            update_fields=[
                "state",
                "claim",
                "attempts",
                "worker_host",
                "worker_pid",
                "started_at",
                "heartbeat_at",
                "progress_done",
                "error",
            ]
        )
        job_log(job.pk, note)
    return job


def heartbeat_seconds() -> int:
    """How often a run says it is alive: six beats fit in HUB_EVAL_STALE_SECONDS."""
    return max(1, settings.HUB_EVAL_STALE_SECONDS // 6)


def _holder_alive(job: EvaluationJob) -> bool:
    """Whether the worker recorded on a running job may still be at it."""
    stale = timedelta(seconds=settings.HUB_EVAL_STALE_SECONDS)
    if job.heartbeat_at is None or timezone.now() - job.heartbeat_at > stale:
        return False
    if job.worker_host != socket.gethostname():
        return True  # another machine, with a fresh heartbeat
    if job.worker_pid == os.getpid():
        return False  # this very process, which is not running it any more
    try:
        os.kill(job.worker_pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fail_now(job: EvaluationJob, error: str) -> None:
    EvaluationJob.objects.filter(pk=job.pk).update(
        state=State.FAILED, error=error, finished_at=timezone.now()
    )
    job_log(job.pk, f"failed: {error}")


def _finish(job: EvaluationJob, *, state: str, **fields) -> bool:
    """Records the outcome if this run still holds the job; whether it did."""
    now = timezone.now()
    done = EvaluationJob.objects.filter(pk=job.pk, claim=job.claim, state=State.RUNNING).update(
        state=state, finished_at=now, heartbeat_at=now, **fields
    )
    if done:
        seconds = (now - job.started_at).total_seconds()
        detail = f": {fields['error']}" if state == State.FAILED else ""
        job_log(job.pk, f"{state} after {seconds:.1f}s{detail}")
    return bool(done)


class _Progress:
    """progress(done, total) after each batch: writes it, and stops the run if the job was
    cancelled or taken over (one conditional UPDATE does both)."""

    def __init__(self, job: EvaluationJob):
        self.job = job

    def __call__(self, done: int, total: int) -> None:
        held = EvaluationJob.objects.filter(
            pk=self.job.pk, claim=self.job.claim, state=State.RUNNING
        ).update(progress_done=done, progress_total=total, heartbeat_at=timezone.now())
        if not held:
            raise JobStopped()


class _Heartbeat:
    """A thread that marks the job alive while the run loads models and data or computes."""

    def __init__(self, job: EvaluationJob):
        self.job = job
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True, name="eval-heartbeat")

    def __enter__(self) -> "_Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        self.thread.join()

    def _beat(self) -> None:
        try:
            while not self.stop.wait(heartbeat_seconds()):
                close_old_connections()
                try:
                    EvaluationJob.objects.filter(
                        pk=self.job.pk, claim=self.job.claim, state=State.RUNNING
                    ).update(heartbeat_at=timezone.now())
                except DatabaseError as exc:  # a busy database: the next beat tries again
                    log.warning("heartbeat of evaluation job %s failed: %s", self.job.pk, exc)
        finally:
            connection.close()
