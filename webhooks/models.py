import json
import secrets

from django.db import models

from registry.models import Namespace, Repo, User


def _object_id() -> str:
    # The Hub's webhook ids are 24 hex digits; the client passes them back in URLs.
    return secrets.token_hex(12)


class Webhook(models.Model):
    class Domain(models.TextChoices):
        REPO = "repo"
        DISCUSSION = "discussion"

    public_id = models.CharField(max_length=24, unique=True, default=_object_id, editable=False)
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="webhooks")
    url = models.CharField(max_length=2000)
    domains = models.JSONField(default=list)
    secret = models.CharField(max_length=200, blank=True)
    disabled = models.BooleanField(default=False)
    # Why the hub disabled it (empty when its owner did, or when it is enabled).
    disabled_reason = models.CharField(max_length=200, blank=True)
    # Failed deliveries in a row; HUB_WEBHOOK_DISABLE_AFTER of them disable the webhook.
    failures = models.IntegerField(default=0)
    # The hub's address as the owner reached it: the links in payloads when HUB_PUBLIC_URL
    # is not set (workers have no request to read it from).
    base_url = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.public_id} → {self.url}"


class WatchedItem(models.Model):
    class Type(models.TextChoices):
        USER = "user"
        ORG = "org"
        MODEL = "model"
        DATASET = "dataset"
        SPACE = "space"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="watched")
    position = models.PositiveIntegerField()
    type = models.CharField(max_length=7, choices=Type.choices)
    name = models.CharField(max_length=200)
    # The name lowercased: names are case-insensitive, and events are matched by this.
    key = models.CharField(max_length=200)

    class Meta:
        ordering = ["position"]
        indexes = [models.Index(fields=["type", "key"])]


class Delivery(models.Model):
    """One event sent to one webhook: its payload, and the attempts to send it."""

    class State(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"  # the webhook was disabled before it was sent

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    # The repo may go (a delete event, or later): then the event's snapshot below decides
    # whether the webhook's owner may still hear of it.
    repo = models.ForeignKey(Repo, on_delete=models.SET_NULL, null=True, related_name="+")
    namespace = models.ForeignKey(Namespace, on_delete=models.CASCADE, related_name="+")
    private = models.BooleanField()
    scope = models.CharField(max_length=40)
    action = models.CharField(max_length=10)
    payload = models.JSONField()
    state = models.CharField(max_length=9, choices=State.choices, default=State.PENDING)
    replay_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["webhook", "-created_at"])]

    @property
    def payload_text(self) -> str:
        return json.dumps(self.payload, indent=2)


class Attempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    status = models.IntegerField(null=True)  # the receiver's HTTP status, if it answered
    response = models.TextField(blank=True)  # the start of the receiver's answer
    error = models.CharField(max_length=500, blank=True)  # no answer: why
    duration_ms = models.IntegerField(null=True)

    class Meta:
        ordering = ["number"]
        # Claiming an attempt is creating its row: a message delivered twice sends once.
        constraints = [models.UniqueConstraint("delivery", "number", name="webhook_attempt_unique")]

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300
