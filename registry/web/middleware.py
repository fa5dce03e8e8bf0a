"""Pages answer in HTML: domain errors raised by page views become error pages (or a sign-in
redirect), and every page carries a Content-Security-Policy that allows only our own scripts."""

from collections.abc import Callable
from functools import cache

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from registry import errors
from registry.blobs import blob_store

# Pages load nothing from other sites: a card's image from elsewhere is rendered as a link
# (registry/cards.py), and this keeps it so. When LFS objects live in a bucket, pages upload
# straight to it, and a repo's own images, served by /resolve/ as a redirect to the bucket,
# load from it.
CSP = (
    "default-src 'self'; connect-src {store}; img-src {store} data: blob:; "
    # The dataset viewer plays a short sound from a data: URL in its audio cells.
    "media-src 'self' data:; "
    "script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


@cache
def content_security_policy() -> str:
    store = blob_store()
    return CSP.format(store=f"'self' {store.link_origin}" if store.direct else "'self'")


def is_page(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and "web" in match.app_names


class WebPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_page(request) and response.get("Content-Type", "").startswith("text/html"):
            response.setdefault("Content-Security-Policy", content_security_policy())
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, errors.HubError) or not is_page(request):
            return None
        if isinstance(exc, errors.RepoMoved):
            return redirect(exc.location(request.get_full_path()))
        if isinstance(exc, errors.AuthenticationRequired):
            return redirect_to_login(request.get_full_path())
        # Private and missing repos look alike to everyone without access: a 404 page.
        status = 404 if isinstance(exc, errors.RepoNotFound) else exc.status
        context = {"status": status, "message": exc.message}
        return render(request, "error.html", context, status=status)
