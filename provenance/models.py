from django.db import models

from registry.models import Organization, Repo, User
from registry.sealing import SealedTextField


class SignatureCheck(models.Model):
    """The verdict on the model signature of one commit that main moved to."""

    class Status(models.TextChoices):
        PENDING = "pending"
        VERIFIED = "verified"
        FAILED = "failed"
        UNSIGNED = "unsigned"

    repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="+")
    commit = models.CharField(max_length=40)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    # A key's name and hint, or a certificate's subject; empty when unsigned.
    signer = models.CharField(max_length=500, blank=True)
    reason = models.TextField(blank=True)
    checked_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["repo", "commit"], name="one_check_per_commit")
        ]


class SigningPolicy(models.Model):
    """An organization's rule: main moves only to commits whose signature verifies."""

    org = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    require_signed_main = models.BooleanField(default=False)


class RepoSource(models.Model):
    """Where an imported repo came from: a Hub-compatible server or a bundle file."""

    class Via(models.TextChoices):
        GIT = "git"  # the source's git history, cloned
        API = "api"  # the files of one revision, through the Hub API
        BUNDLE = "bundle"  # an offline bundle

    repo = models.OneToOneField(Repo, on_delete=models.CASCADE, related_name="+")
    url = models.CharField(max_length=1000)  # the source hub's base URL, or the bundle's name
    source_repo = models.CharField(max_length=200)  # the repo id at the source
    revision = models.CharField(max_length=255)  # what was asked for (a branch, tag or sha)
    commit = models.CharField(max_length=40)  # the source commit last imported
    # This hub's commit of it, where that is not the source's (an API import commits anew).
    published = models.CharField(max_length=40, blank=True, db_default="")
    # Who imported it: a sync's commits and checks act as them.
    user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    via = models.CharField(max_length=6, choices=Via.choices)
    imported_at = models.DateTimeField()
    sync = models.BooleanField(default=False)
    # The token the source was read with, sealed (registry.sealing): a sync reads again.
    token = SealedTextField(null=True)
    checked_at = models.DateTimeField(null=True)
    error = models.TextField(blank=True)
