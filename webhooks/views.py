"""Pages to manage one's webhooks: a browser session only (CSRF-checked), as for tokens."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from registry import errors
from registry.permissions import Action, require
from registry.request import actor, base_url, caller, session_only
from webhooks import selectors
from webhooks.forms import WebhookForm
from webhooks.services.deliveries import delivery_replay
from webhooks.services.settings import webhook_create, webhook_delete, webhook_switch


@session_only
@never_cache
def webhooks_page(request: HttpRequest) -> HttpResponse:
    """Lists the caller's webhooks and creates one."""
    require(actor(request), Action.MANAGE_ACCOUNT)
    user, token = caller(request)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            webhook = webhook_create(
                user=user, token=token, body=form.body(), base_url=base_url(request)
            )
        except errors.HubError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Webhook created")
            return redirect("webhooks:web:detail", webhook_id=webhook.public_id)
    webhooks = selectors.webhooks_list(user=user, token=token)
    return render(request, "webhooks/list.html", {"form": form, "webhooks": webhooks})


@session_only
@never_cache
def webhook_page(request: HttpRequest, webhook_id: str) -> HttpResponse:
    """A webhook's settings and its delivery log."""
    require(actor(request), Action.MANAGE_ACCOUNT)
    user, token = caller(request)
    webhook = selectors.webhook_get(user=user, token=token, webhook_id=webhook_id)
    deliveries = selectors.deliveries_list(webhook=webhook)
    return render(request, "webhooks/detail.html", {"webhook": webhook, "deliveries": deliveries})


@session_only
@require_POST
def webhook_action(request: HttpRequest, webhook_id: str, action: str) -> HttpResponse:
    require(actor(request), Action.MANAGE_ACCOUNT)
    user, token = caller(request)
    webhook = selectors.webhook_get(user=user, token=token, webhook_id=webhook_id)
    if action == "delete":
        webhook_delete(user=user, token=token, webhook=webhook)
        messages.success(request, "Webhook deleted")
        return redirect("webhooks:web:list")
    webhook_switch(user=user, token=token, webhook=webhook, enabled=action == "enable")
    messages.success(request, f"Webhook {action}d")
    return redirect("webhooks:web:detail", webhook_id=webhook.public_id)


@session_only
@require_POST
def replay(request: HttpRequest, webhook_id: str, delivery_id: int) -> HttpResponse:
    require(actor(request), Action.MANAGE_ACCOUNT)
    user, token = caller(request)
    webhook = selectors.webhook_get(user=user, token=token, webhook_id=webhook_id)
    delivery = selectors.delivery_get(webhook=webhook, delivery_id=delivery_id)
    delivery_replay(user=user, token=token, delivery=delivery)
    messages.success(request, "Delivery replayed: it appears at the top of the log")
    return redirect("webhooks:web:detail", webhook_id=webhook.public_id)
