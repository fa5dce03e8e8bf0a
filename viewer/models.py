from django.db import models

from registry.models import Repo


class DatasetConversion(models.Model):
    """The Parquet conversion of a dataset's main (one row per dataset): what the viewer
    serves, or why it cannot."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    repo = models.OneToOneField(Repo, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.PENDING)
    # main's commit this row converts (X-Revision), and the commit of refs/convert/parquet
    # holding its shards once done.
    revision = models.CharField(max_length=40)
    convert_sha = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)
    # [{config, split, num_rows, num_bytes_original_files, num_bytes_parquet_files,
    #   num_bytes_memory, files: [{filename, size}]}], in the dataset's order, default config first.
    splits = models.JSONField(default=list)
    # config -> the `datasets` features of its splits (Features.to_dict()).
    features = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
