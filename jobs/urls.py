"""Jobs routes, included by hubsite/urls.py before the registry's API: /api/jobs/ (the
Hub's Jobs API) and the jobs pages."""

from django.urls import include, re_path

from jobs import api, views

app_name = "jobs"

NAMESPACE = r"(?P<namespace>[^/]+)"
JOB = rf"{NAMESPACE}/(?P<job_id>[0-9a-f]{{24}})"
SCHEDULED = rf"{NAMESPACE}/(?P<scheduled_id>[0-9a-f]{{24}})"

pages = [
    re_path(rf"^jobs/{NAMESPACE}$", views.jobs_page, name="list"),
    re_path(rf"^jobs/{JOB}$", views.job_page, name="job"),
    re_path(rf"^jobs/{JOB}/cancel$", views.job_cancel_action, name="cancel"),
]

urlpatterns = [
    re_path(r"^api/jobs/hardware$", api.HardwareView.as_view()),
    re_path(rf"^api/jobs/{NAMESPACE}$", api.JobsView.as_view()),
    re_path(rf"^api/jobs/{JOB}$", api.JobView.as_view()),
    re_path(rf"^api/jobs/{JOB}/(?P<action>cancel|duplicate)$", api.JobActionView.as_view()),
    re_path(rf"^api/jobs/{JOB}/logs$", api.logs),
    re_path(rf"^api/scheduled-jobs/{NAMESPACE}$", api.ScheduledJobsView.as_view()),
    re_path(rf"^api/scheduled-jobs/{SCHEDULED}$", api.ScheduledJobView.as_view()),
    re_path(rf"^api/scheduled-jobs/{SCHEDULED}/labels$", api.ScheduledJobView.as_view()),
    re_path(
        rf"^api/scheduled-jobs/{SCHEDULED}/(?P<action>suspend|resume|schedule|run)$",
        api.ScheduledJobActionView.as_view(),
    ),
    re_path("", include((pages, "web"))),
]
