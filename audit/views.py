"""An organization's audit log for its admins: the page with filters, and the JSON Lines
export (the page's download button, or a script with a token)."""

from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.selectors import EventFilter, day_or_time, events_filtered, events_jsonl, org_namespace
from registry.models import Namespace
from registry.permissions import Action, require
from registry.request import actor

# The page shows the newest events; the export has them all.
PAGE_EVENTS = 200


def _filter(query: QueryDict, namespace: Namespace) -> EventFilter:
    return EventFilter(
        namespace=namespace.name,
        actor=query.get("actor", "").strip(),
        action=query.get("action", "").strip(),
        repo=query.get("repo", "").strip(),
        since=day_or_time(query.get("since", "").strip()),
        until=day_or_time(query.get("until", "").strip(), end=True),
    )


def _admin_namespace(request: HttpRequest, org: str) -> Namespace:
    namespace = org_namespace(name=org)
    require(actor(request), Action.AUDIT, namespace=namespace)
    return namespace


@require_GET
def audit_export(request: HttpRequest, org: str) -> StreamingHttpResponse:
    """GET /api/organizations/{org}/audit-log: the events, oldest first, one JSON a line."""
    namespace = _admin_namespace(request, org)
    events = events_filtered(_filter(request.GET, namespace))
    response = StreamingHttpResponse(events_jsonl(events), content_type="application/x-ndjson")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{namespace.name}-audit.jsonl"'
    return response


@require_GET
def audit_page(request: HttpRequest, org: str) -> HttpResponse:
    namespace = _admin_namespace(request, org)
    spec = _filter(request.GET, namespace)
    events = events_filtered(spec).order_by("-at", "-id")[:PAGE_EVENTS]
    query = request.GET.copy()
    query["download"] = "1"
    context = {
        "owner": namespace,
        "events": events,
        "query": request.GET,
        "export_url": f"/api/organizations/{namespace.name}/audit-log?{query.urlencode()}",
        "shown": PAGE_EVENTS,
    }
    return render(request, "audit/org_audit.html", context)
