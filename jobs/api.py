"""The Hub's Jobs API under /api/jobs/ and /api/scheduled-jobs/, as huggingface_hub's
run_job, run_uv_job, inspect_job, list_jobs, fetch_job_logs, cancel_job, rerun_job,
list_jobs_hardware and the *_scheduled_job calls drive it. A namespace's jobs are its
members' (jobs.selectors.jobs_require_member); running, scheduling and canceling them needs
write access to it."""

from django.http import HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs.logs import log_events
from jobs.schedule import (
    scheduled_job_create,
    scheduled_job_delete,
    scheduled_job_trigger,
    scheduled_job_update,
)
from jobs.selectors import (
    hardware_json,
    job_get,
    job_json,
    jobs_of,
    jobs_require_member,
    namespace_get,
    scheduled_job_get,
    scheduled_job_json,
    scheduled_jobs_of,
)
from jobs.services import job_cancel, job_create, job_rerun
from registry import errors
from registry.request import actor, base_url, cursor_decode, next_link

PAGE = 100


class HardwareView(APIView):
    def get(self, request: Request) -> Response:
        return Response(hardware_json())


class JobsView(APIView):
    """POST: run a job (the Hub's job spec); GET: list them, newest first, `stage` and
    `label=key=value` filters repeatable, paginated with a `Link` header."""

    def post(self, request: Request, namespace: str) -> Response:
        target = namespace_get(name=namespace)
        job = job_create(
            actor=actor(request), namespace=target, spec=request.data, hub_url=base_url(request)
        )
        return Response(job_json(job))

    def get(self, request: Request, namespace: str) -> Response:
        target = namespace_get(name=namespace)
        jobs_require_member(actor=actor(request), namespace=target)
        stages = [stage.upper() for stage in request.query_params.getlist("stage")]
        labels = dict(_label(value) for value in request.query_params.getlist("label"))
        found = jobs_of(namespace=target, stages=stages, labels=labels)
        start = cursor_decode(request.query_params.get("cursor"))
        response = Response([job_json(job) for job in found[start : start + PAGE]])
        if len(found) > start + PAGE:
            url = request.build_absolute_uri(request.path)
            response["Link"] = next_link(url, request.query_params, start + PAGE)
        return response


def _label(value: str) -> tuple[str, str]:
    key, sep, wanted = value.partition("=")
    if not sep:
        raise errors.BadRequest(f"label filter {value!r} is not key=value")
    return key, wanted


class JobView(APIView):
    def get(self, request: Request, namespace: str, job_id: str) -> Response:
        job = job_get(actor=actor(request), namespace=namespace, job_id=job_id)
        return Response(job_json(job))


class JobActionView(APIView):
    """POST cancel (cancel_job) or duplicate (rerun_job: the same spec, secrets included)."""

    def post(self, request: Request, namespace: str, job_id: str, action: str) -> Response:
        who = actor(request)
        job = job_get(actor=who, namespace=namespace, job_id=job_id)
        if action == "cancel":
            return Response(job_json(job_cancel(actor=who, job=job)))
        return Response(job_json(job_rerun(actor=who, job=job)))


@require_GET
def logs(request: HttpRequest, namespace: str, job_id: str) -> StreamingHttpResponse:
    """fetch_job_logs: server-sent events, the log so far (or its last `tail` lines), then
    new lines while the job runs (see jobs/logs.py)."""
    job = job_get(actor=actor(request), namespace=namespace, job_id=job_id)
    tail = request.GET.get("tail")
    if tail is not None and not tail.isdigit():
        raise errors.BadRequest("tail must be a number of lines")
    events = log_events(job=job, tail=int(tail) if tail is not None else None)
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


class ScheduledJobsView(APIView):
    """POST: create_scheduled_job; GET: list_scheduled_jobs (one `label` filter)."""

    def post(self, request: Request, namespace: str) -> Response:
        target = namespace_get(name=namespace)
        scheduled = scheduled_job_create(
            actor=actor(request), namespace=target, body=request.data, hub_url=base_url(request)
        )
        return Response(scheduled_job_json(scheduled))

    def get(self, request: Request, namespace: str) -> Response:
        target = namespace_get(name=namespace)
        jobs_require_member(actor=actor(request), namespace=target)
        labels = dict(_label(value) for value in request.query_params.getlist("label"))
        found = scheduled_jobs_of(namespace=target, labels=labels)
        return Response([scheduled_job_json(scheduled) for scheduled in found])


class ScheduledJobView(APIView):
    def get(self, request: Request, namespace: str, scheduled_id: str) -> Response:
        who = actor(request)
        scheduled = scheduled_job_get(actor=who, namespace=namespace, scheduled_id=scheduled_id)
        return Response(scheduled_job_json(scheduled))

    def delete(self, request: Request, namespace: str, scheduled_id: str) -> Response:
        who = actor(request)
        scheduled = scheduled_job_get(actor=who, namespace=namespace, scheduled_id=scheduled_id)
        scheduled_job_delete(actor=who, scheduled=scheduled)
        return Response({})

    def put(self, request: Request, namespace: str, scheduled_id: str) -> Response:
        """update_scheduled_job_labels (PUT .../labels)."""
        who = actor(request)
        scheduled = scheduled_job_get(actor=who, namespace=namespace, scheduled_id=scheduled_id)
        body = request.data if isinstance(request.data, dict) else {}
        scheduled = scheduled_job_update(
            actor=who, scheduled=scheduled, labels=body.get("labels") or {}
        )
        return Response(scheduled_job_json(scheduled))


class ScheduledJobActionView(APIView):
    """POST suspend, resume, schedule ({schedule}) or run (trigger_scheduled_job)."""

    def post(self, request: Request, namespace: str, scheduled_id: str, action: str) -> Response:
        who = actor(request)
        scheduled = scheduled_job_get(actor=who, namespace=namespace, scheduled_id=scheduled_id)
        if action == "run":
            return Response(job_json(scheduled_job_trigger(actor=who, scheduled=scheduled)))
        if action == "schedule":
            body = request.data if isinstance(request.data, dict) else {}
            changes = {"schedule": body.get("schedule") or ""}
        else:
            changes = {"suspend": action == "suspend"}
        scheduled = scheduled_job_update(actor=who, scheduled=scheduled, **changes)
        return Response(scheduled_job_json(scheduled))
