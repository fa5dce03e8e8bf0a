"""The Hub's Jobs API under /api/jobs/, as huggingface_hub's run_job, run_uv_job,
inspect_job, list_jobs, fetch_job_logs, cancel_job, rerun_job and list_jobs_hardware drive
it. A namespace's jobs are its members' (jobs.selectors.jobs_require_member); running and
canceling them needs write access to it."""

from django.http import HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs.logs import log_events
from jobs.selectors import (
    hardware_json,
    job_get,
    job_json,
    jobs_of,
    jobs_require_member,
    namespace_get,
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
