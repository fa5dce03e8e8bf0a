"""Scheduled jobs: create, suspend, resume, reschedule, relabel, trigger and delete them, and
the sweep that starts their runs when due (a thread of each jobs worker, every few
seconds; cron's granularity is a minute) and reconciles the jobs (jobs_reconcile)."""

import logging
import threading
import time
from datetime import datetime

from django.db import close_old_connections, transaction
from django.utils import timezone

from jobs.cron import cron_parse
from jobs.models import Job, ScheduledJob
from jobs.services import job_fields, job_queue, jobs_reconcile, labels_parse
from registry import errors
from registry.models import Namespace
from registry.permissions import Action, Actor, allows, require

log = logging.getLogger(__name__)
_SWEEP_SECONDS = 5
_UNFINISHED = [Job.Stage.SCHEDULING, Job.Stage.RUNNING]
_sweeper: threading.Thread | None = None
_sweeper_lock = threading.Lock()


def _flag(body: dict, name: str) -> bool:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise errors.BadRequest(f"{name} must be true or false")
    return bool(value)


def scheduled_job_create(
    *, actor: Actor, namespace: Namespace, body: object, hub_url: str
) -> ScheduledJob:
    """create_scheduled_job: `{jobSpec, schedule, suspend?, concurrency?}`; the namespace's
    writers may schedule jobs there."""
    require(actor, Action.WRITE, namespace=namespace)
    if not isinstance(body, dict):
        raise errors.BadRequest("The body must be a JSON object")
    cron = cron_parse(body.get("schedule"))
    fields = job_fields(actor=actor, spec=body.get("jobSpec"), hub_url=hub_url)
    return ScheduledJob.objects.create(
        namespace=namespace, created_by=actor.user, spec=fields, schedule=body["schedule"],
        suspend=_flag(body, "suspend"), concurrency=_flag(body, "concurrency"),
        next_run_at=cron.next_after(timezone.now()),
    )  # fmt: skip


def scheduled_job_update(
    *,
    actor: Actor,
    scheduled: ScheduledJob,
    suspend: bool | None = None,
    schedule: object = None,
    labels: object = None,
) -> ScheduledJob:
    """suspend/resume, a new schedule (the next run recomputed from now), new labels."""
    require(actor, Action.WRITE, namespace=scheduled.namespace)
    if suspend is not None:
        scheduled.suspend = suspend
    if schedule is not None:
        scheduled.next_run_at = cron_parse(schedule).next_after(timezone.now())
        scheduled.schedule = schedule
    if suspend is False:  # runs missed while suspended are not made up
        scheduled.next_run_at = cron_parse(scheduled.schedule).next_after(timezone.now())
    if labels is not None:
        scheduled.spec = {**scheduled.spec, "labels": labels_parse(labels)}
    scheduled.save(update_fields=["suspend", "schedule", "next_run_at", "spec"])
    return scheduled


def scheduled_job_delete(*, actor: Actor, scheduled: ScheduledJob) -> None:
    """Its runs stay (their schedule forgotten); no new one starts."""
    require(actor, Action.WRITE, namespace=scheduled.namespace)
    scheduled.delete()


def scheduled_job_trigger(*, actor: Actor, scheduled: ScheduledJob) -> Job:
    """trigger_scheduled_job: one run now, the schedule unchanged; 409 while a run has not
    ended, unless the schedule allows concurrent runs."""
    require(actor, Action.WRITE, namespace=scheduled.namespace)
    with transaction.atomic():
        locked = ScheduledJob.objects.select_for_update().get(pk=scheduled.pk)
        if not locked.concurrency and _running(locked):
            raise errors.Conflict("A run of this scheduled job has not ended yet")
        return _start(locked, created_by=actor.user)


def _running(scheduled: ScheduledJob) -> bool:
    return Job.objects.filter(scheduled_job=scheduled, stage__in=_UNFINISHED).exists()


def _start(scheduled: ScheduledJob, *, created_by) -> Job:
    job = job_queue(
        created_by=created_by, namespace=scheduled.namespace, fields=scheduled.spec,
        scheduled_job=scheduled,
    )  # fmt: skip
    ScheduledJob.objects.filter(pk=scheduled.pk).update(last_job=job)
    return job


def scheduled_jobs_start_due(*, now: datetime | None = None) -> int:
    """Starts every due run (the sweep): each schedule's next run moves forward first, by
    compare-and-swap, so one sweeper starts it. A run is skipped while the last one has not
    ended (unless concurrent runs are allowed), and when the schedule's creator may no
    longer run jobs in its namespace. Returns how many started."""
    now = now or timezone.now()
    started = 0
    due = ScheduledJob.objects.filter(suspend=False, next_run_at__lte=now)
    for scheduled in due.select_related("namespace", "created_by"):
        following = cron_parse(scheduled.schedule).next_after(now)
        moved = ScheduledJob.objects.filter(
            pk=scheduled.pk, next_run_at=scheduled.next_run_at
        ).update(next_run_at=following)
        if not moved or (not scheduled.concurrency and _running(scheduled)):
            continue
        creator = scheduled.created_by
        if creator is None or not allows(
            Actor(creator), Action.WRITE, namespace=scheduled.namespace
        ):
            continue
        _start(scheduled, created_by=creator)
        started += 1
    return started


def sweeper_start() -> None:
    """The sweep's thread in this process (a jobs worker), once."""
    global _sweeper
    with _sweeper_lock:
        if _sweeper is None or not _sweeper.is_alive():
            _sweeper = threading.Thread(target=_sweep, name="jobs-schedule", daemon=True)
            _sweeper.start()


def _sweep() -> None:
    while True:
        time.sleep(_SWEEP_SECONDS)
        close_old_connections()
        try:
            scheduled_jobs_start_due()
            jobs_reconcile()
        except Exception:  # the loop outlives a database hiccup; the next round retries
            log.exception("scheduled jobs sweep failed")
