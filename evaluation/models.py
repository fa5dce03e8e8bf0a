from django.conf import settings
from django.db import models

from registry.models import Discussion, Repo


class EvaluationJob(models.Model):
    """A model repo at a commit x a dataset repo at a commit x settings, and what came of it."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    # The same files and settings are evaluated once: `key` hashes the normalised settings
    # and the fingerprints (file ids) of both repos. A rerun repeats a job on purpose.
    key = models.CharField(max_length=64)
    rerun_of = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="reruns"
    )
    # The settings without the model: leaderboards find their jobs by it.
    spec_key = models.CharField(max_length=64)
    model_repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="+")
    model_sha = models.CharField(max_length=40)
    model_fingerprint = models.CharField(max_length=64)
    model_parameters = models.BigIntegerField(null=True, blank=True)
    dataset_repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="+")
    dataset_sha = models.CharField(max_length=40)
    dataset_fingerprint = models.CharField(max_length=64)
    config = models.CharField(max_length=100)
    split = models.CharField(max_length=100)
    task = models.CharField(max_length=40)
    metrics = models.JSONField(default=list)
    columns = models.JSONField(default=dict)
    limit = models.PositiveIntegerField(null=True, blank=True)
    seed = models.BigIntegerField(default=0)

    state = models.CharField(max_length=9, choices=State.choices, default=State.QUEUED)
    progress_done = models.IntegerField(default=0)
    progress_total = models.IntegerField(null=True, blank=True)
    results = models.JSONField(default=dict, blank=True)
    samples = models.JSONField(default=list, blank=True)
    environment = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    logs = models.TextField(blank=True)
    # The run holding the job: its random claim, where it runs, and when it last said so.
    attempts = models.PositiveSmallIntegerField(default=0)
    claim = models.CharField(max_length=32, blank=True)
    worker_host = models.CharField(max_length=255, blank=True)
    worker_pid = models.IntegerField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    pull_request = models.ForeignKey(
        Discussion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "key", condition=models.Q(rerun_of__isnull=True), name="evaluation_job_key_unique"
            )
        ]
        indexes = [
            models.Index(fields=["model_repo", "created_at"]),
            models.Index(fields=["spec_key", "dataset_fingerprint"]),
            models.Index(fields=["state", "heartbeat_at"]),
        ]

    FINISHED = (State.SUCCEEDED, State.FAILED, State.CANCELLED)

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return max(0.0, (self.finished_at - self.started_at).total_seconds())

    @property
    def percent(self) -> int:
        if self.state == self.State.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)


class Leaderboard(models.Model):
    """Models ranked on one dataset with fixed settings; defined by the dataset's writers."""

    dataset_repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="leaderboards")
    slug = models.SlugField(max_length=64)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # As given: a branch is tracked (re-evaluated when it moves), a commit is pinned.
    dataset_revision = models.CharField(max_length=255)
    tracks_branch = models.BooleanField(default=False)
    dataset_sha = models.CharField(max_length=40)
    dataset_fingerprint = models.CharField(max_length=64)
    config = models.CharField(max_length=100)
    split = models.CharField(max_length=100)
    task = models.CharField(max_length=40)
    metrics = models.JSONField(default=list)
    main_metric = models.CharField(max_length=40)
    columns = models.JSONField(default=dict)
    limit = models.PositiveIntegerField(null=True, blank=True)
    seed = models.BigIntegerField(default=0)
    spec_key = models.CharField(max_length=64)
    # Open a pull request with each new verified result on the model's repo.
    auto_propose = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("dataset_repo", "slug", name="leaderboard_slug_unique")
        ]

    @property
    def path(self) -> str:
        return f"{self.dataset_repo.repo_id}/{self.slug}"


class LeaderboardEntry(models.Model):
    """A model submitted to a leaderboard, at a branch (followed) or a commit."""

    leaderboard = models.ForeignKey(Leaderboard, on_delete=models.CASCADE, related_name="entries")
    model_repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="+")
    revision = models.CharField(max_length=255)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("leaderboard", "model_repo", name="leaderboard_entry_unique")
        ]


class ReportedResult(models.Model):
    """One entry of a `.eval_results/*.yaml` file at the head of a model's main branch, as
    the file states it (a community-reported result), or why that file could not be read
    (`error`, one row per file). Kept in step with main by `reported_results_refresh`, so a
    dataset's leaderboard finds every model's results with one query."""

    model_repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=1000)
    position = models.PositiveIntegerField(default=0)
    # Lowercased: dataset ids are case-insensitive, as repo names are.
    dataset_id = models.CharField(max_length=200, blank=True)
    task_id = models.CharField(max_length=200, blank=True)
    value = models.FloatField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["dataset_id", "task_id"])]
