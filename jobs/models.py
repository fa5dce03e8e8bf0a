import secrets as random

from django.db import models

from registry.models import Namespace, User


def job_id_new() -> str:
    # The Hub's job ids are 24 hex digits (a MongoDB ObjectId); the client shows them as is.
    return random.token_hex(12)


class Job(models.Model):
    """One run of a command in the sandbox, owned by a namespace.

    The web side writes the spec and SCHEDULING, a cancel writes CANCELED; the worker that
    takes the job (jobs/run.py) moves it to RUNNING and then to its end. Each move is a
    compare-and-swap on `stage`, so a cancel and the worker's own end never both land.
    """

    class Stage(models.TextChoices):
        # The names the client's JobStage knows.
        SCHEDULING = "SCHEDULING"
        RUNNING = "RUNNING"
        COMPLETED = "COMPLETED"
        CANCELED = "CANCELED"
        ERROR = "ERROR"
        DELETED = "DELETED"

    id = models.CharField(primary_key=True, max_length=24, default=job_id_new, editable=False)
    namespace = models.ForeignKey(Namespace, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    image = models.CharField(max_length=300)
    command = models.JSONField(default=list)
    arguments = models.JSONField(default=list)
    environment = models.JSONField(default=dict)
    # Secret environment variables, each value sealed as Space secrets are
    # (registry/sealing.py); opened only by jobs.selectors.job_secrets, for the worker that
    # runs the job and the masking of its log. No answer or page shows a value.
    secrets = models.JSONField(default=dict)
    flavor = models.CharField(max_length=40, default="cpu-basic")
    timeout_seconds = models.IntegerField()
    labels = models.JSONField(default=dict)
    # A `uv run` job's script when it came from a URL on this hub: read at creation with its
    # creator's rights, written into the job's working directory as `script_name`.
    script_name = models.CharField(max_length=200, blank=True)
    script = models.TextField(blank=True)
    volumes = models.JSONField(default=list)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.SCHEDULING)
    # Why it ended as it did: the exit status, a timeout, a flood, with the log's tail.
    message = models.TextField(blank=True)
    # Which worker process runs it (host:pid), so a dead worker's jobs can be ended.
    worker = models.CharField(max_length=200, blank=True)
    # The schedule that started it, if any (its initiator).
    scheduled_job = models.ForeignKey(
        "ScheduledJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["namespace", "-created_at"], name="job_namespace_recent"),
            models.Index(fields=["stage", "worker"], name="job_stage_worker"),
        ]

    def __str__(self) -> str:
        return f"{self.id}: {self.stage}"

    @property
    def finished(self) -> bool:
        return self.stage not in {self.Stage.SCHEDULING, self.Stage.RUNNING}


class ScheduledJob(models.Model):
    """A job spec run on a cron schedule (UTC). `next_run_at` is when the sweep
    (jobs.schedule) starts the next run: each sweep moves it forward by compare-and-swap
    before starting a job, so several sweepers start each run once."""

    id = models.CharField(primary_key=True, max_length=24, default=job_id_new, editable=False)
    namespace = models.ForeignKey(Namespace, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The Job fields each run gets (jobs.services.job_spec_parse), secrets included: stored
    # as Job.secrets are (see there).
    spec = models.JSONField()
    schedule = models.CharField(max_length=200)
    suspend = models.BooleanField(default=False)
    # Whether a run may start while the previous one has not ended.
    concurrency = models.BooleanField(default=False)
    next_run_at = models.DateTimeField()
    last_job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["suspend", "next_run_at"], name="scheduled_job_due")]

    def __str__(self) -> str:
        return f"{self.id}: {self.schedule}"
