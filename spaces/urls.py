"""Spaces routes, included by hubsite/urls.py before the registry's API and pages: the
runtime API under /api/spaces/{namespace}/{name}/ (whose other paths are the registry's),
the apps under /spaces-apps/, and the Logs page and settings actions of a Space."""

from django.urls import include, re_path

from spaces import api, app, views

app_name = "spaces"

SPACE = r"(?P<namespace>[^/]+)/(?P<name>[^/]+)"

pages = [
    re_path(rf"^spaces/{SPACE}/logs$", views.logs_page, name="logs"),
    re_path(rf"^spaces/{SPACE}/settings/space$", views.settings_action, name="settings"),
]

urlpatterns = [
    re_path(rf"^api/spaces/{SPACE}/runtime$", api.RuntimeView.as_view()),
    re_path(
        rf"^api/spaces/{SPACE}/(?P<action>restart|pause|sleeptime|hardware)$",
        api.RuntimeActionView.as_view(),
    ),
    re_path(rf"^api/spaces/{SPACE}/secrets$", api.SettingsView.as_view(kind="secrets")),
    re_path(rf"^api/spaces/{SPACE}/variables$", api.SettingsView.as_view(kind="variables")),
    re_path(rf"^api/spaces/{SPACE}/duplicate$", api.DuplicateView.as_view()),
    re_path(rf"^api/spaces/{SPACE}/logs/(?P<kind>build|run)$", api.logs),
    re_path(rf"^spaces-apps/{SPACE}(?:/(?P<path>(?s:.*)))?$", app.space_app),
    re_path("", include((pages, "web"))),
]
