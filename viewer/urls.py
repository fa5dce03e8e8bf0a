"""The viewer API under /api/datasets-server/ (the `datasets-server.` host is rewritten to
this prefix by registry.api.middleware.DatasetsServerMiddleware), included before the
registry's /api/ routes."""

from django.urls import path

from viewer import api

PREFIX = "api/datasets-server/"

urlpatterns = [
    path(f"{PREFIX}is-valid", api.is_valid),
    path(f"{PREFIX}splits", api.splits),
    path(f"{PREFIX}parquet", api.parquet),
    path(f"{PREFIX}info", api.info),
    path(f"{PREFIX}size", api.size),
    path(f"{PREFIX}first-rows", api.first_rows),
    path(f"{PREFIX}rows", api.rows),
    path(f"{PREFIX}search", api.search),
    path(f"{PREFIX}filter", api.filter_),
    path(f"{PREFIX}statistics", api.statistics),
    path(f"{PREFIX}croissant", api.croissant),
]
