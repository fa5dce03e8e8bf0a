"""Compare routes: the page under a repo (before the registry's page routes) and its JSON
under /api/ (before the registry's API catch-alls)."""

from django.urls import include, re_path

from compare import api, views

app_name = "compare"

REPO = r"(?:(?P<prefix>datasets|spaces)/)?(?P<namespace>[^/]+)/(?P<name>[^/]+)"
# Everything after /compare/ is the spec (revisions may hold slashes: refs/pr/1); a spec
# without `...` is the view's 400, which says what a spec looks like.
SPEC = r"(?P<spec>.+)"

# Pages sit in the `web` app namespace: registry.web.middleware then treats them as pages
# (HTML error pages, the Content-Security-Policy).
pages = [
    re_path(rf"^(?!(?:api|lfs)/){REPO}/compare$", views.pick),
    re_path(rf"^(?!(?:api|lfs)/){REPO}/compare/{SPEC}$", views.compare),
]

urlpatterns = [
    re_path(
        r"^api/(?P<repo_type>models|datasets|spaces)/(?P<namespace>[^/]+)/(?P<name>[^/]+)"
        rf"/compare/{SPEC}$",
        api.compare,
    ),
    re_path("", include((pages, "web"))),
]
