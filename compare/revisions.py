"""`{base}...{head}` as a compare route names two revisions (GitHub's form)."""

from urllib.parse import quote, unquote

from django.http import HttpRequest

from registry import errors

SEPARATOR = "..."
MARKER = "/compare/"


def spec_parse(request: HttpRequest, spec: str) -> tuple[str, str]:
    """Both revisions of the route's `spec`, read from the raw path when the server gives it,
    so `refs%2Fpr%2F1` stays one revision (WSGI decodes PATH_INFO); a BadRequest unless the
    spec is two non-empty revisions."""
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
    # Without the raw path, `spec` is decoded already: unquote below must not decode it again.
    spec = raw.split("?", 1)[0].rsplit(MARKER, 1)[-1] if raw else spec.replace("%", "%25")
    base, separator, head = spec.partition(SEPARATOR)
    if not separator or not base or not head or SEPARATOR in head:
        raise errors.BadRequest("A comparison is named {base}...{head}, e.g. v1...main")
    return unquote(base), unquote(head)


def spec_url(repo_base: str, base: str, head: str) -> str:
    return f"{repo_base}{MARKER}{quote(base, safe='')}{SEPARATOR}{quote(head, safe='')}"
