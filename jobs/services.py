"""Writes: a job from the Hub's job spec, its cancel, and the stage moves of the worker that
runs it. Every move is a compare-and-swap on the stage (see jobs.models.Job)."""

import logging
import os
import re
import socket
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jobs.models import Job
from jobs.selectors import HARDWARE
from jobs.signals import job_ended, jobs_reconciled
from jobs.uv import script_dependencies, uv_run_parse
from jobs.volumes import volumes_parse
from registry import errors
from registry.models import Namespace, User
from registry.permissions import Action, Actor, require
from registry.repofiles import repo_file_open
from registry.sealing import seal
from registry.selectors import REPO_TYPES, repo_get_visible
from registry.signals import audit_send, repo_read_audited
from sandbox.processes import process_alive
from workers.jobs import job_run_enqueue

log = logging.getLogger(__name__)
Stage = Job.Stage

# The images a job may name: each maps to the hub's own Python runtime (docs/clients.md).
_IMAGES = (
    re.compile(r"^(?:(?:docker\.io/)?library/)?python(?::(?:latest|3(?:\.\d+){0,2})(?:-[a-z0-9.]+)*)?$"),
    re.compile(r"^ghcr\.io/astral-sh/uv(?::[a-z0-9.-]+)?$"),
)  # fmt: skip
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
_LABEL = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_SPEC_MAX_BYTES = 256 * 1024
_SCRIPT_MAX_BYTES = 1024 * 1024
_RESOLVE = re.compile(
    r"^/(?:(?P<type>datasets|spaces)/)?(?P<namespace>[^/]+)/(?P<name>[^/]+)"
    r"/resolve/(?P<rev>[^/]+)/(?P<path>.+)$"
)
# Spec fields of the Hub's that this hub does not offer: a clear 400 rather than a job that
# silently runs without them.
_NOT_OFFERED = {
    "spaceId": "Space images",
    "expose": "exposed ports",
    "ssh": "SSH access",
    "network": "network groups",
    "resourceGroupId": "resource groups",
}


_SPEC_FIELDS = (
    "image", "command", "arguments", "environment", "secrets", "flavor", "timeout_seconds",
    "labels", "script_name", "script", "volumes",
)  # fmt: skip


def image_check(image: object) -> str:
    """The image name, if it is one this hub runs; a 400 naming the ones it does otherwise."""
    if isinstance(image, str) and any(pattern.match(image) for pattern in _IMAGES):
        return image
    raise errors.BadRequest(
        f"Image {image!r} is not one this hub runs: jobs run on the hub's own Python runtime, "
        "named by python:3 images (python:3.12, python:3.12-slim...) or uv's "
        "(ghcr.io/astral-sh/uv:python3.12-bookworm...)"
    )


def _strings(value: object, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise errors.BadRequest(f"{field} must be a list of strings")
    return value


def _variables(value: object, field: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise errors.BadRequest(f"{field} must be an object")
    found = {}
    for key, item in value.items():
        if not _KEY.match(str(key)):
            raise errors.BadRequest(f"{field}: {key!r} is not an environment variable name")
        if item is None or isinstance(item, dict | list):
            raise errors.BadRequest(f"{field}: {key} must be a string")
        found[str(key)] = str(item)
    return found


def labels_parse(value: object) -> dict[str, str]:
    labels = _variables(value, "labels") if value is not None else {}
    for key, item in labels.items():
        if not _LABEL.match(item):
            raise errors.BadRequest(f"labels: {key}={item!r} is not a label value")
    return labels


def _timeout(value: object) -> int:
    if value is None:
        return settings.HUB_JOBS_TIMEOUT
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise errors.BadRequest("timeoutSeconds must be a positive integer")
    if value > settings.HUB_JOBS_MAX_TIMEOUT:
        raise errors.BadRequest(
            f"timeoutSeconds may be at most {settings.HUB_JOBS_MAX_TIMEOUT} on this hub"
        )
    return value


def job_spec_parse(spec: object) -> dict:
    """The fields of a Job row from the Hub's job spec (run_job's body), checked."""
    if not isinstance(spec, dict):
        raise errors.BadRequest("The job spec must be a JSON object")
    if len(repr(spec)) > _SPEC_MAX_BYTES:
        raise errors.PayloadTooLarge("The job spec is over 256 KiB")
    for field, what in _NOT_OFFERED.items():
        if spec.get(field):
            raise errors.BadRequest(f"This hub does not offer {what} for jobs ({field})")
    if spec.get("attempts") not in (None, 1):
        raise errors.BadRequest("This hub runs a job once: attempts must be 1")
    flavor = spec.get("flavor") or HARDWARE
    if flavor != HARDWARE:
        raise errors.BadRequest(
            f"Hardware '{flavor}' is not available on this hub: jobs run on '{HARDWARE}' only"
        )
    command = _strings(spec.get("command"), "command")
    if not command:
        raise errors.BadRequest("command must not be empty")
    return {
        "image": image_check(spec.get("dockerImage")),
        "command": command,
        "arguments": _strings(spec.get("arguments") or [], "arguments"),
        "environment": _variables(spec.get("environment"), "environment"),
        # Sealed as Space secrets are (registry/sealing.py): only job_secrets opens them.
        "secrets": {k: seal(v) for k, v in _variables(spec.get("secrets"), "secrets").items()},
        "flavor": flavor,
        "timeout_seconds": _timeout(spec.get("timeoutSeconds")),
        "labels": labels_parse(spec.get("labels")),
    }


def job_create(*, actor: Actor, namespace: Namespace, spec: object, hub_url: str) -> Job:
    """A job of `namespace` queued to run (SCHEDULING) once the transaction commits; its
    writers may run jobs there. A broker that cannot take it ends it as ERROR. A `uv run`
    of a script URL on this hub (`hub_url`) reads the script now, with the actor's rights."""
    require(actor, Action.WRITE, namespace=namespace)
    fields = job_fields(actor=actor, spec=spec, hub_url=hub_url)
    return job_queue(created_by=actor.user, namespace=namespace, fields=fields)


def job_fields(*, actor: Actor, spec: object, hub_url: str) -> dict:
    """The Job fields of a spec, a script URL's script included (see job_create)."""
    fields = job_spec_parse(spec)
    fields["volumes"] = volumes_parse(actor=actor, volumes=spec.get("volumes"))
    run = uv_run_parse(fields["command"])
    if run is not None and "://" in run.target:
        name, text = script_read(actor=actor, url=run.target, hub_url=hub_url)
        script_dependencies(text)  # a bad inline block is a 400 now, not a failed job
        fields.update(script_name=name, script=text)
    return fields


def script_read(*, actor: Actor, url: str, hub_url: str) -> tuple[str, str]:
    """The file a `/resolve/` URL of this hub names, as its name and text. Jobs reach nothing
    but the hub, and neither does the hub on a job's behalf: other URLs are a 400."""
    parts = urlsplit(url)
    found = _RESOLVE.match(unquote(parts.path))
    origins = {hub_url.rstrip("/"), (settings.HUB_PUBLIC_URL or hub_url).rstrip("/")}
    if f"{parts.scheme}://{parts.netloc}" not in origins or found is None:
        raise errors.BadRequest(
            f"Script URLs must be files on this hub ({hub_url}/<repo>/resolve/<rev>/<path>): "
            "put the script in a repo, or run a local file"
        )
    repo = repo_get_visible(
        user=actor.user, repo_type=REPO_TYPES[f"{found['type'] or 'model'}s"],
        namespace=found["namespace"], name=found["name"],
    )  # fmt: skip
    file = repo_file_open(
        user=actor.user, token=actor.token, repo=repo, rev=found["rev"], path=found["path"]
    )
    if file.size > _SCRIPT_MAX_BYTES:
        raise errors.PayloadTooLarge("A job's script may be at most 1 MiB")
    try:
        text = b"".join(file.chunks()).decode()
    except UnicodeDecodeError:
        raise errors.BadRequest(f"{found['path']} is not UTF-8 text") from None
    if repo_read_audited(repo):  # read for the job, not through /resolve: recorded here
        audit_send(
            action="repo.read", user=actor.user, token=actor.token, repo=repo,
            revision=file.sha, path=file.path, bytes=file.size, via="job-script",
        )  # fmt: skip
    return file.name, text


def job_rerun(*, actor: Actor, job: Job) -> Job:
    """rerun_job: a new job of the same spec (secrets included) in the same namespace."""
    require(actor, Action.WRITE, namespace=job.namespace)
    fields = {name: getattr(job, name) for name in _SPEC_FIELDS}
    return job_queue(created_by=actor.user, namespace=job.namespace, fields=fields)


def job_queue(*, created_by: User | None, namespace: Namespace, fields: dict, **extra) -> Job:
    """A SCHEDULING job of those fields, its task sent once the transaction commits."""
    with transaction.atomic():
        job = Job.objects.create(namespace=namespace, created_by=created_by, **fields, **extra)
        job_run_enqueue(job.id, unreachable=lambda error: _unreachable(job.id, error))
    return job


def _unreachable(job_id: str, error: str) -> None:
    ended = Job.objects.filter(pk=job_id, stage=Stage.SCHEDULING).update(
        stage=Stage.ERROR, message=error, finished_at=timezone.now()
    )
    _ended(job_id, ended)


def _ended(job_id: str, moved: int) -> None:
    """Tells the listeners of `job_ended` when this process's move to an end landed."""
    if moved:
        job_ended.send(sender=Job, job=Job.objects.select_related("created_by").get(pk=job_id))


def job_cancel(*, actor: Actor, job: Job) -> Job:
    """cancel_job: a job that has not ended ends as CANCELED (its worker sees the row and
    kills it within a second); an ended job stays as it is."""
    require(actor, Action.WRITE, namespace=job.namespace)
    moved = Job.objects.filter(pk=job.pk, stage__in=[Stage.SCHEDULING, Stage.RUNNING]).update(
        stage=Stage.CANCELED, message=f"Canceled by {actor.user.username}",
        finished_at=timezone.now(),
    )  # fmt: skip
    _ended(job.pk, moved)
    job.refresh_from_db()
    return job


def worker_name() -> str:
    """This worker process, as Job.worker records it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def job_claim(*, job_id: str) -> bool:
    """SCHEDULING -> RUNNING for this worker; False if it was canceled (or taken) first."""
    return bool(
        Job.objects.filter(pk=job_id, stage=Stage.SCHEDULING).update(
            stage=Stage.RUNNING, started_at=timezone.now(), worker=worker_name()
        )
    )


def job_end(*, job_id: str, stage: str, message: str) -> None:
    """RUNNING -> its end; a job canceled meanwhile stays CANCELED."""
    moved = Job.objects.filter(pk=job_id, stage=Stage.RUNNING).update(
        stage=stage, message=message, finished_at=timezone.now()
    )
    _ended(job_id, moved)


def jobs_reconcile() -> None:
    """A jobs worker's start and sweep rounds: orphaned jobs end (jobs_orphans_end), then the
    listeners of `jobs_reconciled` clean up after every job that is no longer running."""
    jobs_orphans_end()
    jobs_reconciled.send(sender=Job)


def jobs_orphans_end() -> int:
    """At a jobs worker's start: RUNNING jobs of a dead worker process of this host end as
    ERROR (their program died with it); returns how many."""
    host = socket.gethostname() + ":"
    ended = 0
    running = Job.objects.filter(stage=Stage.RUNNING, worker__startswith=host)
    for job_id, worker in running.values_list("pk", "worker"):
        if not process_alive(int(worker.rsplit(":", 1)[1])):
            job_end(job_id=job_id, stage=Stage.ERROR, message="The worker running the job died")
            ended += 1
    return ended
