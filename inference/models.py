import uuid

from django.db import models

from registry.models import Repo


class InferenceRequest(models.Model):
    """A request waiting for a worker. Its id is also the id of its Celery task.

    A worker that starts any request of a model claims every pending request of that model
    (`claim` = its own request id) and answers them as one batch, then deletes the rows.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="+")
    sha = models.CharField(max_length=40)
    task = models.CharField(max_length=40)
    payload = models.JSONField()
    claim = models.CharField(max_length=36, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["repo", "sha", "task", "claim"])]


class WidgetExample(models.Model):
    """A card `widget:` example with its output at the commit it was computed for."""

    repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="widget_examples")
    position = models.PositiveIntegerField()
    sha = models.CharField(max_length=40)
    # The card and model files it was computed from: unchanged means nothing to recompute.
    fingerprint = models.CharField(max_length=40)
    request = models.JSONField()
    output = models.JSONField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("repo", "position", name="widget_example_position_unique")
        ]
        ordering = ["position"]
