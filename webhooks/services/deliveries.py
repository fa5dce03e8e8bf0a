"""Sending deliveries: one attempt at a time, retried with exponential backoff, the
webhook disabled after HUB_WEBHOOK_DISABLE_AFTER failed deliveries in a row."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from registry import errors
from registry.models import AccessToken, User
from registry.permissions import Actor
from webhooks.access import manager_require, owner_sees
from webhooks.models import Attempt, Delivery, Webhook
from webhooks.sending import post_json
from workers.webhooks import delivery_enqueue

State = Delivery.State


def _visible(delivery: Delivery) -> bool:
    return owner_sees(
        owner=delivery.webhook.owner,
        repo=delivery.repo,
        namespace=delivery.namespace,
        private=delivery.private,
    )


def delivery_attempt(*, delivery_id: int, number: int) -> None:
    """Makes attempt `number` of a pending delivery, once even if asked twice; after a
    failure queues the next attempt HUB_WEBHOOK_BACKOFF_MS x 2^(number-1) later, up to
    HUB_WEBHOOK_ATTEMPTS. Nothing is sent once the owner can no longer see the repo."""
    delivery = Delivery.objects.select_related("webhook__owner", "repo", "namespace")
    delivery = delivery.filter(pk=delivery_id, state=State.PENDING).first()
    if delivery is None:
        return
    if delivery.webhook.disabled:
        _finish(delivery, State.CANCELLED)
        return
    if not _visible(delivery):
        _withhold(delivery)
        return
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(delivery=delivery, number=number)
    except IntegrityError:  # the broker delivered this attempt twice
        return
    _send(delivery, attempt)
    if attempt.succeeded:
        _finish(delivery, State.SUCCEEDED)
        Webhook.objects.filter(pk=delivery.webhook_id).update(failures=0)
    elif number < settings.HUB_WEBHOOK_ATTEMPTS:
        delay = settings.HUB_WEBHOOK_BACKOFF_MS * 2 ** (number - 1) / 1000
        delivery_enqueue(delivery.pk, number=number + 1, countdown=delay)
    else:
        _finish(delivery, State.FAILED)
        _failure_count(delivery.webhook_id)


def _send(delivery: Delivery, attempt: Attempt) -> None:
    # The URL and secret are read now: a replay goes where the webhook points today.
    webhook = delivery.webhook
    answer = post_json(
        url=webhook.url,
        payload=delivery.payload,
        secret=webhook.secret,
        timeout=settings.HUB_WEBHOOK_TIMEOUT,
        denied=settings.HUB_WEBHOOK_DENIED_NETWORKS,
    )
    attempt.status, attempt.response = answer.status, answer.excerpt
    attempt.error, attempt.duration_ms = answer.error, answer.duration_ms
    attempt.save(update_fields=["status", "response", "error", "duration_ms"])


def _finish(delivery: Delivery, state: str) -> None:
    delivery.state = state
    delivery.save(update_fields=["state"])


def _withhold(delivery: Delivery) -> None:
    """The owner lost sight of the repo: a delivery never sent leaves no trace (its log
    would name the repo); one already attempted stops."""
    if delivery.attempts.exists():
        _finish(delivery, State.CANCELLED)
    else:
        delivery.delete()


def _failure_count(webhook_id: int) -> None:
    limit = settings.HUB_WEBHOOK_DISABLE_AFTER
    with transaction.atomic():
        Webhook.objects.filter(pk=webhook_id).update(failures=F("failures") + 1)
        Webhook.objects.filter(pk=webhook_id, failures__gte=limit, disabled=False).update(
            disabled=True, disabled_reason=f"Disabled after {limit} failed deliveries in a row"
        )


def delivery_replay(*, user: User, token: AccessToken | None, delivery: Delivery) -> Delivery:
    """Sends a past delivery's payload again, as a new delivery, to the webhook's current
    url and secret; only while its owner can still see the repo."""
    manager_require(Actor(user, token))
    if not _visible(delivery):
        raise errors.NotFound(f"Delivery {delivery.pk} not found")
    if delivery.webhook.disabled:
        raise errors.BadRequest("Enable the webhook to replay its deliveries")
    replay = Delivery.objects.create(
        webhook=delivery.webhook,
        repo=delivery.repo,
        namespace=delivery.namespace,
        private=delivery.private,
        scope=delivery.scope,
        action=delivery.action,
        payload=delivery.payload,
        replay_of=delivery,
    )
    delivery_enqueue(replay.pk, number=1)
    return replay
