"""Evaluation routes under the registry's /api/datasets/, which hubsite/urls.py mounts before
registry.api.urls (whose catch-all would answer them otherwise)."""

from django.urls import re_path

from evaluation import api

urlpatterns = [
    re_path(
        r"^api/datasets/(?P<namespace>[^/]+)/(?P<name>[^/]+)/leaderboard$",
        api.DatasetLeaderboardView.as_view(),
    ),
]
