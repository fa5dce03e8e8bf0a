from django.db import models

from registry.models import Repo


class TensorDiff(models.Model):
    """The data diff of two safetensors files, computed once per pair of objects.

    Objects are content-addressed (an LFS sha256, or a git blob id), so the result holds for
    every repo and revision that has this pair; a reader gets it only after opening both
    files through the one read path. `repo`, `path` and the shas say where the worker reads.
    """

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    base_object = models.CharField(max_length=64)
    head_object = models.CharField(max_length=64)
    repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=1000)
    base_sha = models.CharField(max_length=40)
    head_sha = models.CharField(max_length=40)
    state = models.CharField(max_length=9, choices=State.choices, default=State.QUEUED)
    done_bytes = models.BigIntegerField(default=0)
    total_bytes = models.BigIntegerField(default=0)
    results = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["base_object", "head_object"], name="tensor_diff_pair_unique"
            )
        ]

    @property
    def percent(self) -> int:
        if self.state == self.State.SUCCEEDED:
            return 100
        return self.done_bytes * 100 // self.total_bytes if self.total_bytes else 0

    def as_dict(self) -> dict:
        return {
            "state": self.state,
            "doneBytes": self.done_bytes,
            "totalBytes": self.total_bytes,
            "tensors": self.results,
            "error": self.error,
        }
