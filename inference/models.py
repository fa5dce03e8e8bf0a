from django.db import models

from registry.models import Repo


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
