"""Reads: who sees a namespace's jobs, a job as the Hub's JSON, its log."""

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from jobs.models import Job, ScheduledJob
from registry import errors
from registry.models import Namespace
from registry.permissions import Actor, namespace_role
from registry.sealing import SecretUnreadable, unseal

# The one flavor this hub runs, as list_jobs_hardware reads it (JobHardwareInfo).
HARDWARE = "cpu-basic"
_TAIL_LINES = 40
_TAIL_BYTES = 16 * 1024
SECRET_MASK = "***"


def hardware_json() -> list[dict]:
    return [{
        "name": HARDWARE,
        "prettyName": "CPU Basic",
        "cpu": f"{os.cpu_count() or 1} vCPU",
        "ram": f"{settings.HUB_JOBS_MEMORY_MB / 1024:g} GB",
        "ephemeralStorage": f"{settings.HUB_JOBS_DISK_MB / 1024:g} GB",
        "accelerator": None,
        "unitCostMicroUSD": 0,
        "unitCostUSD": 0.0,
        "unitLabel": "minute",
    }]  # fmt: skip


def namespace_get(*, name: str) -> Namespace:
    found = Namespace.objects.filter(name__iexact=name).first()
    if found is None:
        raise errors.NotFound(f"Namespace {name} not found")
    return found


def jobs_require_member(*, actor: Actor, namespace: Namespace) -> None:
    """A namespace's jobs (their commands, logs) are its members' business only, as on the
    Hub: its user, or any member of its organization."""
    if not actor.signed_in:
        raise errors.AuthenticationRequired()
    if namespace_role(user=actor.user, namespace=namespace) is None:
        raise errors.Forbidden(f"You are not a member of {namespace.name}")


def job_get(*, actor: Actor, namespace: str, job_id: str) -> Job:
    """The job, if `actor` may see its namespace's jobs; a 404 otherwise (the client maps a
    404 on a job route to JobNotFoundError)."""
    job = Job.objects.select_related("namespace").filter(pk=job_id).first()
    if job is None or job.namespace.name.lower() != namespace.lower():
        raise errors.NotFound(f"Job {job_id} not found")
    try:
        jobs_require_member(actor=actor, namespace=job.namespace)
    except errors.Forbidden:
        raise errors.NotFound(f"Job {job_id} not found") from None
    return job


def jobs_of(*, namespace: Namespace, stages: list[str], labels: dict[str, str]) -> list[Job]:
    """A namespace's jobs, newest first, in the given stages and with all the labels (matched
    here: SQLite has no JSON containment lookup)."""
    found: QuerySet[Job] = Job.objects.filter(namespace=namespace)
    if stages:
        found = found.filter(stage__in=stages)
    found = found.select_related("namespace", "created_by").order_by("-created_at", "-id")
    return [
        job
        for job in found
        if all((job.labels or {}).get(key) == value for key, value in labels.items())
    ]


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None:
        return None
    return int(((end or timezone.now()) - start).total_seconds())


def job_json(job: Job) -> dict:
    """The Hub's JobInfo; secrets by name only (`***` for every value)."""
    namespace = job.namespace
    owner = {"id": str(namespace.pk), "name": namespace.name, "type": namespace.kind}
    creator = job.created_by
    initiator = None
    if job.scheduled_job_id:
        initiator = {"type": "scheduled-job", "id": job.scheduled_job_id}
    elif creator is not None:
        initiator = {"type": "user", "id": str(creator.namespace_id), "name": creator.username}
    return {
        "id": job.id,
        "createdAt": _iso(job.created_at),
        "startedAt": _iso(job.started_at),
        "finishedAt": _iso(job.finished_at),
        "dockerImage": job.image,
        "spaceId": None,
        "command": job.command,
        "arguments": job.arguments,
        "environment": job.environment,
        "secrets": dict.fromkeys(job.secrets, SECRET_MASK),
        "flavor": job.flavor,
        "timeout": job.timeout_seconds,
        "labels": job.labels or None,
        "volumes": job.volumes or None,
        "status": {"stage": job.stage, "message": job.message or None},
        "durations": {
            "schedulingSecs": _seconds(job.created_at, job.started_at or job.finished_at),
            "runningSecs": _seconds(job.started_at, job.finished_at),
            "totalSecs": _seconds(job.created_at, job.finished_at),
        },
        "owner": owner,
        "initiator": initiator,
        "retry": 0,
    }


def scheduled_job_get(*, actor: Actor, namespace: str, scheduled_id: str) -> ScheduledJob:
    """As job_get, for a scheduled job."""
    found = ScheduledJob.objects.select_related("namespace", "last_job")
    scheduled = found.filter(pk=scheduled_id).first()
    if scheduled is None or scheduled.namespace.name.lower() != namespace.lower():
        raise errors.NotFound(f"Scheduled job {scheduled_id} not found")
    try:
        jobs_require_member(actor=actor, namespace=scheduled.namespace)
    except errors.Forbidden:
        raise errors.NotFound(f"Scheduled job {scheduled_id} not found") from None
    return scheduled


def scheduled_jobs_of(*, namespace: Namespace, labels: dict[str, str]) -> list[ScheduledJob]:
    found = ScheduledJob.objects.filter(namespace=namespace).select_related("namespace", "last_job")
    return [
        scheduled
        for scheduled in found.order_by("-created_at", "-id")
        if all((scheduled.spec.get("labels") or {}).get(k) == v for k, v in labels.items())
    ]


def scheduled_job_json(scheduled: ScheduledJob) -> dict:
    """The Hub's ScheduledJobInfo; its spec as JobSpec, secrets by name only."""
    spec, namespace, last = scheduled.spec, scheduled.namespace, scheduled.last_job
    return {
        "id": scheduled.id,
        "createdAt": _iso(scheduled.created_at),
        "jobSpec": {
            "dockerImage": spec["image"],
            "spaceId": None,
            "command": spec["command"],
            "arguments": spec["arguments"],
            "environment": spec["environment"],
            "secrets": dict.fromkeys(spec["secrets"], SECRET_MASK),
            "flavor": spec["flavor"],
            "timeout": spec["timeout_seconds"],
            "labels": spec["labels"] or None,
            "volumes": spec.get("volumes") or None,
        },
        "schedule": scheduled.schedule,
        "suspend": scheduled.suspend,
        "concurrency": scheduled.concurrency,
        "status": {
            "lastJob": {"id": last.id, "at": _iso(last.created_at)} if last else None,
            "nextJobRunAt": None if scheduled.suspend else _iso(scheduled.next_run_at),
        },
        "owner": {"id": str(namespace.pk), "name": namespace.name, "type": namespace.kind},
    }


def job_dir(job_id: str) -> Path:
    return settings.HUB_DATA_DIR / "jobs" / job_id


def job_log_path(job_id: str) -> Path:
    """The job's log: one line per line the program wrote, `<timestamp> <text>`, secrets
    already masked (jobs/run.py writes it; kept after the job ends)."""
    return job_dir(job_id) / "log.txt"


def log_redact(text: str, *, secrets: list[str]) -> str:
    """`text` with every secret value masked."""
    for value in sorted(secrets, key=len, reverse=True):
        if value:
            text = text.replace(value, SECRET_MASK)
    return text


def job_secrets(job: Job) -> dict[str, str]:
    """The secret environment of a job, opened, for the worker that runs it and nobody
    else; a BadRequest naming the first secret no key of this hub opens."""
    opened = {}
    for key, value in job.secrets.items():
        try:
            opened[str(key)] = unseal(str(value))
        except SecretUnreadable:
            raise errors.BadRequest(
                f"The secret {key} cannot be decrypted with this hub's keys (HUB_SECRETS_KEYS);"
                " run the job again with it"
            ) from None
    return opened


def log_lines(path: Path) -> Iterator[tuple[str, str]]:
    """(timestamp, text) of every complete line of a job's log."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    with handle:
        for raw in handle:
            if raw.endswith(b"\n"):
                stamp, _, text = raw[:-1].decode("utf-8", "replace").partition(" ")
                yield stamp, text


def job_log_tail(job_id: str, *, lines: int = _TAIL_LINES) -> str:
    """The last lines of the log (of its last 16 KiB): what an ERROR's message carries."""
    path = job_log_path(job_id)
    try:
        with path.open("rb") as handle:
            start = max(0, path.stat().st_size - _TAIL_BYTES)
            handle.seek(start)
            data = handle.read()
    except FileNotFoundError:
        return ""
    raws = data.split(b"\n")[1 if start else 0 : -1]  # whole lines only
    texts = [raw.partition(b" ")[2] for raw in raws]
    return b"\n".join(texts[-lines:]).decode("utf-8", "replace")
