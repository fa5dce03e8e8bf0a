"""Jobs pages: a namespace's jobs and schedules, one job's status and its streamed log, and
the cancel button. Members of the namespace only, as the API."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jobs.selectors import (
    job_get,
    jobs_of,
    jobs_require_member,
    namespace_get,
    scheduled_jobs_of,
)
from jobs.services import job_cancel
from registry.permissions import Action, allows
from registry.request import actor

PAGE = 100


def jobs_page(request: HttpRequest, namespace: str) -> HttpResponse:
    target, who = namespace_get(name=namespace), actor(request)
    jobs_require_member(actor=who, namespace=target)
    context = {
        "namespace": target,
        "jobs": jobs_of(namespace=target, stages=[], labels={})[:PAGE],
        "scheduled": scheduled_jobs_of(namespace=target, labels={}),
    }
    return render(request, "jobs/list.html", context)


def job_page(request: HttpRequest, namespace: str, job_id: str) -> HttpResponse:
    who = actor(request)
    job = job_get(actor=who, namespace=namespace, job_id=job_id)
    context = {
        "job": job,
        "secret_keys": sorted(job.secrets),
        "can_cancel": not job.finished and allows(who, Action.WRITE, namespace=job.namespace),
    }
    return render(request, "jobs/detail.html", context)


@require_POST
def job_cancel_action(request: HttpRequest, namespace: str, job_id: str) -> HttpResponse:
    who = actor(request)
    job = job_cancel(actor=who, job=job_get(actor=who, namespace=namespace, job_id=job_id))
    return redirect("jobs:web:job", namespace=job.namespace.name, job_id=job.id)
