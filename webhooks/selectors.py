from django.db.models import Prefetch, QuerySet

from registry import errors
from registry.models import AccessToken, User
from registry.permissions import Actor
from webhooks.access import manager_require
from webhooks.models import Attempt, Delivery, Webhook

# The delivery log shows this many of the latest deliveries.
LOG_LENGTH = 100


def webhooks_list(*, user: User, token: AccessToken | None) -> QuerySet[Webhook]:
    manager_require(Actor(user, token))
    return Webhook.objects.filter(owner=user).prefetch_related("watched").order_by("created_at")


def webhook_get(*, user: User, token: AccessToken | None, webhook_id: str) -> Webhook:
    """One of the caller's webhooks; anyone else's is as missing as a webhook that never was."""
    webhook = webhooks_list(user=user, token=token).filter(public_id=webhook_id).first()
    if webhook is None:
        raise errors.NotFound(f"Webhook {webhook_id} not found")
    return webhook


def deliveries_list(*, webhook: Webhook) -> list[Delivery]:
    """The webhook's latest deliveries, newest first, each with its attempts."""
    rows = webhook.deliveries.select_related("repo").order_by("-created_at", "-pk")
    return list(rows.prefetch_related(Prefetch("attempts", Attempt.objects.all()))[:LOG_LENGTH])


def delivery_get(*, webhook: Webhook, delivery_id: int) -> Delivery:
    delivery = webhook.deliveries.filter(pk=delivery_id).first()
    if delivery is None:
        raise errors.NotFound(f"Delivery {delivery_id} not found")
    return delivery
