"""Evaluation routes, included by hubsite/urls.py before the registry's pages. Prefixes
(/evaluations/, /leaderboards/, /api/evaluations, /api/leaderboards) cannot name a repo page;
/{namespace}/{name}/evaluations is a sub-page no registry route uses."""

from django.urls import include, path, re_path

from evaluation import api, views

app_name = "evaluation"

BOARD = r"(?P<namespace>[^/]+)/(?P<dataset>[^/]+)/(?P<slug>[a-z0-9-]+)"

# Pages sit in a `web` app namespace: registry.web.middleware then treats them as pages
# (HTML error pages, the Content-Security-Policy), as it does the registry's own.
pages = [
    path("evaluations/new", views.new_job, name="new"),
    path("evaluations/<int:job_id>", views.job_page, name="job"),
    re_path(r"^evaluations/(?P<job_id>[0-9]+)/(?P<action>cancel|rerun|propose)$", views.job_action),
    path("leaderboards", views.leaderboards_index, name="leaderboards"),
    path("leaderboards/new", views.leaderboard_new, name="leaderboard-new"),
    re_path(rf"^leaderboards/{BOARD}$", views.leaderboard_page, name="leaderboard"),
    re_path(rf"^leaderboards/{BOARD}/submit$", views.leaderboard_submit_page),
    re_path(rf"^leaderboards/{BOARD}/(?P<action>settings|delete)$", views.leaderboard_manage),
    re_path(
        r"^(?:(?P<prefix>datasets)/)?(?!(?:api|lfs|leaderboards|evaluations)/)"
        r"(?P<namespace>[^/]+)/(?P<name>[^/]+)/evaluations$",
        views.model_results_page,
        name="repo-results",
    ),
    re_path(
        r"^(?!(?:api|lfs)(?:/|$))(?:(?P<prefix>datasets|spaces)/)?"
        r"(?P<namespace>[^/]+)/(?P<name>[^/]+)/evaluation$",
        views.repo_evaluation_tab,
    ),
]

urlpatterns = [
    path("api/evaluations", api.JobsView.as_view()),
    path("api/evaluations/verify", api.VerifyTokenView.as_view()),
    path("api/evaluations/<int:job_id>", api.JobView.as_view()),
    re_path(
        r"^api/evaluations/(?P<job_id>[0-9]+)/(?P<action>cancel|rerun|pull-request)$",
        api.JobActionView.as_view(),
    ),
    path("api/leaderboards", api.LeaderboardsView.as_view()),
    re_path(rf"^api/leaderboards/{BOARD}\.(?P<fmt>csv)$", api.LeaderboardView.as_view()),
    re_path(rf"^api/leaderboards/{BOARD}$", api.LeaderboardView.as_view()),
    re_path(rf"^api/leaderboards/{BOARD}/submit$", api.LeaderboardSubmitView.as_view()),
    path("", include((pages, "web"))),
]
