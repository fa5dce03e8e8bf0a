"""/api/settings/webhooks, as huggingface_hub's `*_webhook` methods call it, plus the
delivery log and replays (this hub's own routes: the client has no method for them)."""

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import errors
from registry.request import base_url, caller
from webhooks import selectors
from webhooks.models import Attempt, Delivery, Webhook
from webhooks.services.deliveries import delivery_replay
from webhooks.services.settings import (
    webhook_create,
    webhook_delete,
    webhook_switch,
    webhook_update,
)


def webhook_json(webhook: Webhook) -> dict:
    return {
        "id": webhook.public_id,
        "url": webhook.url,
        "job": None,
        "watched": [{"type": item.type, "name": item.name} for item in webhook.watched.all()],
        "domains": webhook.domains,
        "secret": webhook.secret or None,
        "disabled": webhook.disabled,
        "disabledReason": webhook.disabled_reason or None,
    }


def _attempt_json(attempt: Attempt) -> dict:
    return {
        "number": attempt.number,
        "startedAt": attempt.started_at.isoformat().replace("+00:00", "Z"),
        "status": attempt.status,
        "response": attempt.response,
        "error": attempt.error or None,
        "durationMs": attempt.duration_ms,
    }


def delivery_json(delivery: Delivery) -> dict:
    return {
        "id": delivery.pk,
        "event": {"action": delivery.action, "scope": delivery.scope},
        "state": delivery.state,
        "createdAt": delivery.created_at.isoformat().replace("+00:00", "Z"),
        "replayOf": delivery.replay_of_id,
        "payload": delivery.payload,
        "attempts": [_attempt_json(attempt) for attempt in delivery.attempts.all()],
    }


def _body(request: Request) -> dict:
    if not isinstance(request.data, dict):
        raise errors.BadRequest("The request body must be a JSON object")
    return request.data


class WebhooksView(APIView):
    def get(self, request: Request) -> Response:
        """The caller's webhooks (a session or a write token)."""
        user, token = caller(request)
        return Response([webhook_json(w) for w in selectors.webhooks_list(user=user, token=token)])

    def post(self, request: Request) -> Response:
        """Creates a webhook: `url`, `watched` ([{type, name}]), `domains`, `secret`."""
        user, token = caller(request)
        webhook = webhook_create(
            user=user, token=token, body=_body(request), base_url=base_url(request)
        )
        return Response({"webhook": webhook_json(webhook)})


class WebhookView(APIView):
    def get(self, request: Request, webhook_id: str) -> Response:
        """One of the caller's webhooks."""
        user, token = caller(request)
        webhook = selectors.webhook_get(user=user, token=token, webhook_id=webhook_id)
        return Response({"webhook": webhook_json(webhook)})

    def post(self, request: Request, webhook_id: str) -> Response:
        """Updates the fields given; an empty `watched` keeps the watched items."""
        user, token = caller(request)
        webhook = selectors.webhook_get(user=user, token=token, webhook_id=webhook_id)
        webhook = webhook_update(user=user, token=token, webhook=webhook, body=_body(request))
        return Response({"webhook": webhook_json(webhook)})

    def delete(self, request: Request, webhook_id: str) -> Response:
        """Deletes the webhook and its delivery log."""
        user, token = caller(request)
        webhook = selectors.webhook_get(user=user, token=token, webhook_id=webhook_id)
        webhook_delete(user=user, token=token, webhook=webhook)
        return Response({})


class WebhookSwitchView(APIView):
    def post(self, request: Request, webhook_id: str, action: str) -> Response:
        """Enables (forgetting past failures) or disables the webhook."""
        user, token = caller(request)
        webhook = selectors.webhook_get(user=user, token=token, webhook_id=webhook_id)
        webhook = webhook_switch(
            user=user, token=token, webhook=webhook, enabled=action == "enable"
        )
        return Response({"webhook": webhook_json(webhook)})


class DeliveriesView(APIView):
    def get(self, request: Request, webhook_id: str) -> Response:
        """The latest deliveries, newest first, each with its payload and attempts."""
        user, token = caller(request)
        webhook = selectors.webhook_get(user=user, token=token, webhook_id=webhook_id)
        return Response([delivery_json(d) for d in selectors.deliveries_list(webhook=webhook)])


class ReplayView(APIView):
    def post(self, request: Request, webhook_id: str, delivery_id: int) -> Response:
        """Sends a delivery's payload again, as a new delivery (answered here, pending)."""
        user, token = caller(request)
        webhook = selectors.webhook_get(user=user, token=token, webhook_id=webhook_id)
        delivery = selectors.delivery_get(webhook=webhook, delivery_id=delivery_id)
        replay = delivery_replay(user=user, token=token, delivery=delivery)
        return Response(delivery_json(replay), status=201)
