"""From the core's `repo_event` to deliveries: which webhooks hear of an event."""

from django.db.models import Q

from registry.models import Namespace, Repo
from webhooks.access import owner_sees
from webhooks.models import Delivery, WatchedItem, Webhook
from webhooks.payloads import event_payload
from workers.webhooks import delivery_enqueue


def repo_event_listener(sender, *, repo: Repo, action: str, scope: str, payload: dict, **kwargs):
    deliveries_create(repo=repo, action=action, scope=scope, changes=payload)


def deliveries_create(*, repo: Repo, action: str, scope: str, changes: dict) -> list[Delivery]:
    """Queues one delivery per enabled webhook that watches the repo or its namespace (by
    the old or the new name, for a move) in the event's domain, and whose owner can see the
    repo now. `repo` has no primary key when the event is its deletion."""
    domain = scope.split(".", 1)[0]
    exists = repo.pk is not None
    deliveries = []
    for webhook in _watching(repo, old_name=changes.get("oldName")):
        if domain not in webhook.domains:
            continue
        seen = owner_sees(
            owner=webhook.owner,
            repo=repo if exists else None,
            namespace=repo.namespace,
            private=repo.private,
        )
        if not seen:
            continue
        delivery = Delivery.objects.create(
            webhook=webhook,
            repo=repo if exists else None,
            namespace_id=repo.namespace_id,
            private=repo.private,
            scope=scope,
            action=action,
            payload=event_payload(
                webhook=webhook, repo=repo, action=action, scope=scope, changes=changes
            ),
        )
        delivery_enqueue(delivery.pk, number=1)
        deliveries.append(delivery)
    return deliveries


def _watching(repo: Repo, *, old_name: str | None) -> list[Webhook]:
    repo_ids = {repo.repo_id.lower()}
    namespaces = {repo.namespace.name.lower()}
    if old_name:
        repo_ids.add(old_name.lower())
        namespaces.add(old_name.split("/", 1)[0].lower())
    # A user item and an org item both watch every repo of that namespace.
    watching = WatchedItem.objects.filter(
        Q(type__in=[Namespace.Kind.USER, Namespace.Kind.ORG], key__in=namespaces)
        | Q(type=repo.type, key__in=repo_ids)
    )
    webhooks = Webhook.objects.filter(disabled=False, pk__in=watching.values("webhook_id"))
    return list(webhooks.select_related("owner").order_by("pk"))
