"""Reading the audit log: filtered, in order, as the JSON Lines the exports write."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import QuerySet

from audit.models import AuditEvent
from registry import errors
from registry.models import Namespace


@dataclass(frozen=True)
class EventFilter:
    """What an admin or operator narrows the log to; empty fields do not narrow."""

    namespace: str = ""
    actor: str = ""
    action: str = ""
    repo: str = ""
    since: datetime | None = None
    until: datetime | None = None  # exclusive


def day_or_time(value: str, *, end: bool = False) -> datetime | None:
    """`2026-12-07` (a day: its start, or with `end` the next day's) or an ISO date-time;
    naive values are UTC. A 400 for anything else."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value) + timedelta(days=1 if end else 0)
            return datetime.combine(day, time.min, tzinfo=UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        message = f"'{value}' is not a date (YYYY-MM-DD) or an ISO date-time"
        raise errors.BadRequest(message) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def events_filtered(spec: EventFilter) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if spec.namespace:
        events = events.filter(namespace__iexact=spec.namespace)
    if spec.actor:
        events = events.filter(actor__iexact=spec.actor)
    if spec.action:
        # "repo.read" names a family too: repo.read.lfs, repo.read.xet.
        events = events.filter(action__startswith=spec.action)
    if spec.repo:
        events = events.filter(repo__iexact=spec.repo)
    if spec.since:
        events = events.filter(at__gte=spec.since)
    if spec.until:
        events = events.filter(at__lt=spec.until)
    return events.order_by("at", "id")


def event_json(event: AuditEvent) -> dict:
    return {
        "id": event.event_id.hex,
        "at": event.at.isoformat(),
        "action": event.action,
        "actor": event.actor,
        "actorId": event.actor_id,
        "tokenId": event.token_id,
        "tokenName": event.token_name,
        "namespace": event.namespace,
        "repo": event.repo,
        "repoType": event.repo_type,
        "revision": event.revision,
        "path": event.path,
        "bytes": event.bytes,
        "address": event.address,
        "requestId": event.request_id,
        "detail": event.detail,
    }


def events_jsonl(events: QuerySet[AuditEvent]) -> Iterator[bytes]:
    """One JSON object a line, streamed: an export of years never sits in memory."""
    for event in events.iterator(chunk_size=2000):
        yield json.dumps(event_json(event), separators=(",", ":")).encode() + b"\n"


def org_namespace(*, name: str) -> Namespace:
    namespace = Namespace.objects.filter(name__iexact=name, kind=Namespace.Kind.ORG).first()
    if namespace is None:
        raise errors.NotFound(f"'{name}' is not an organization")
    return namespace
