"""Creating, changing and removing one's webhooks, as `HfApi.*_webhook` drive it."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from registry import errors
from registry.models import AccessToken, User
from registry.permissions import Actor
from webhooks.access import manager_require
from webhooks.models import WatchedItem, Webhook
from webhooks.sending import address_denial

MAX_WATCHED = 100


def _url(value: object) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
        raise errors.BadRequest("The webhook url must be an http:// or https:// URL")
    if len(value) > 2000:
        raise errors.BadRequest("The webhook url is longer than 2000 characters")
    denial = _literal_denial(parts.hostname)
    if denial:
        raise errors.BadRequest(f"The webhook url may not point at {denial}")
    return value


def _literal_denial(host: str) -> str | None:
    """Why a host written as an address (or `localhost`) is refused at once; names are
    checked where it matters, on every resolved address at each send."""
    denied = settings.HUB_WEBHOOK_DENIED_NETWORKS
    if host == "localhost" or host.endswith(".localhost"):
        host = "127.0.0.1"
    try:
        return address_denial(host, denied)
    except ValueError:  # a name, not an address
        return None


def _watched(value: object) -> list[tuple[str, str]]:
    if not isinstance(value, list) or not value or len(value) > MAX_WATCHED:
        raise errors.BadRequest(f"watched must list 1 to {MAX_WATCHED} items")
    items = []
    for item in value:
        kind = item.get("type") if isinstance(item, dict) else None
        name = item.get("name") if isinstance(item, dict) else None
        if kind not in WatchedItem.Type.values:
            types = ", ".join(WatchedItem.Type.values)
            raise errors.BadRequest(f"A watched item's type must be one of {types}")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise errors.BadRequest("A watched item needs a name of 1 to 200 characters")
        items.append((kind, name.strip()))
    return list(dict.fromkeys(items))


def _domains(value: object) -> list[str]:
    if not isinstance(value, list) or not value or set(value) - set(Webhook.Domain.values):
        raise errors.BadRequest("domains must list 'repo', 'discussion' or both")
    return list(dict.fromkeys(value))


def _secret(value: object) -> str:
    # The secret travels as an HTTP header: ASCII only, as on the Hub.
    if not isinstance(value, str) or len(value) > 200 or not value.isascii():
        raise errors.BadRequest("The secret must be at most 200 ASCII characters")
    return value


def _no_jobs(body: dict) -> None:
    if body.get("jobSourceId") is not None or body.get("secrets") is not None:
        raise errors.BadRequest("This hub runs no Jobs: a webhook sends to a url")


def _watch(webhook: Webhook, items: list[tuple[str, str]]) -> None:
    webhook.watched.all().delete()
    WatchedItem.objects.bulk_create(
        WatchedItem(webhook=webhook, position=i, type=kind, name=name, key=name.lower())
        for i, (kind, name) in enumerate(items)
    )


def webhook_create(*, user: User, token: AccessToken | None, body: dict, base_url: str) -> Webhook:
    """A new, enabled webhook of `user`: `url`, `watched` and `domains` (both by default)
    and an optional `secret`, as `create_webhook` sends them. Names watched need not exist
    yet: events are matched by name, and only for repos the owner can see."""
    manager_require(Actor(user, token))
    _no_jobs(body)
    url, watched = _url(body.get("url")), _watched(body.get("watched"))
    domains = _domains(body.get("domains", list(Webhook.Domain.values)))
    secret = _secret(body.get("secret") or "")
    with transaction.atomic():
        webhook = Webhook.objects.create(
            owner=user, url=url, domains=domains, secret=secret, base_url=base_url
        )
        _watch(webhook, watched)
    return webhook


def webhook_update(
    *, user: User, token: AccessToken | None, webhook: Webhook, body: dict
) -> Webhook:
    """Changes what `body` names. `update_webhook` sends `watched: []` when its caller
    gave none, so an empty list keeps the watched items."""
    manager_require(Actor(user, token))
    _no_jobs(body)
    if body.get("url") is not None:
        webhook.url = _url(body["url"])
    if body.get("domains") is not None:
        webhook.domains = _domains(body["domains"])
    if body.get("secret") is not None:
        webhook.secret = _secret(body["secret"])
    watched = _watched(body["watched"]) if body.get("watched") else None
    with transaction.atomic():
        webhook.save()
        if watched is not None:
            _watch(webhook, watched)
    return webhook


def webhook_switch(
    *, user: User, token: AccessToken | None, webhook: Webhook, enabled: bool
) -> Webhook:
    """Enables or disables; enabling forgets the failures that may have disabled it."""
    manager_require(Actor(user, token))
    webhook.disabled = not enabled
    webhook.disabled_reason = ""
    if enabled:
        webhook.failures = 0
    webhook.save(update_fields=["disabled", "disabled_reason", "failures", "updated_at"])
    return webhook


def webhook_delete(*, user: User, token: AccessToken | None, webhook: Webhook) -> None:
    """Removes it with its delivery log; attempts already queued find nothing to send."""
    manager_require(Actor(user, token))
    webhook.delete()
