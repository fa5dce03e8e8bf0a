from django.db import models

from registry.models import Repo
from registry.sealing import SealedTextField

# Environment names the Hub accepts for secrets and variables: what a shell can export.
KEY_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,99}$"


class SpaceRuntime(models.Model):
    """What runs (or ran) for one Space: its stage, and what the build and run workers record.

    The `spaces` app writes the lifecycle (push, restart, pause, sleep, the last request);
    the run task (workers/tasks/spaces.py) writes `socket`, `worker`, `pid` and RUNNING, and
    reports crashes through `spaces.services.space_crashed`.
    """

    class Stage(models.TextChoices):
        # The names the client's SpaceStage knows, plus the Hub's SLEEPING.
        NO_APP_FILE = "NO_APP_FILE"
        CONFIG_ERROR = "CONFIG_ERROR"
        BUILDING = "BUILDING"
        BUILD_ERROR = "BUILD_ERROR"
        RUNNING = "RUNNING"
        RUNTIME_ERROR = "RUNTIME_ERROR"
        SLEEPING = "SLEEPING"
        PAUSED = "PAUSED"
        STOPPED = "STOPPED"

    repo = models.OneToOneField(Repo, on_delete=models.CASCADE, primary_key=True, related_name="+")
    stage = models.CharField(max_length=13, choices=Stage.choices, default=Stage.NO_APP_FILE)
    # Why the Space is in an error stage: a configuration message or the log's tail.
    error = models.TextField(blank=True)
    sdk = models.CharField(max_length=20, blank=True)
    # The commit of main the Space was (or is being) built from.
    sha = models.CharField(max_length=40, blank=True)
    # Seconds without a request before a running Space sleeps; null: the hub's default.
    sleep_time = models.IntegerField(null=True, blank=True)
    last_request_at = models.DateTimeField(null=True, blank=True)
    # Where the running app listens (a Unix socket), and which worker runs it.
    socket = models.CharField(max_length=400, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    pid = models.IntegerField(null=True, blank=True)
    # Crash-loop backoff: crashes since the last good start, and when the next start may run.
    restarts = models.IntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["stage", "last_request_at"], name="space_stage_idle")]

    def __str__(self) -> str:
        return f"{self.repo_id}: {self.stage}"


class SpaceSetting(models.Model):
    """A key of a Space's environment, with a description, as the Hub's settings have."""

    repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    value = models.TextField()
    description = models.CharField(max_length=1000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["key"]


class SpaceVariable(SpaceSetting):
    """Shown to everyone who can see the Space, and to its app as an environment variable."""

    class Meta(SpaceSetting.Meta):
        constraints = [models.UniqueConstraint("repo", "key", name="space_variable_unique")]


class SpaceSecret(SpaceSetting):
    """Reaches the app as an environment variable; no answer, page or log shows the value
    again (only the key, the description and when it changed). Stored sealed
    (registry/sealing.py), opened only by spaces.selectors.space_secrets_open."""

    value = SealedTextField()

    class Meta(SpaceSetting.Meta):
        constraints = [models.UniqueConstraint("repo", "key", name="space_secret_unique")]
