"""A static Space's files, served from main through the read path (no process runs)."""

import mimetypes

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from registry import errors
from registry.models import Repo
from registry.repofiles import repo_file_open
from registry.request import caller, file_read_audit

_TEXT = ("text/", "application/javascript", "application/json", "image/svg+xml")


def static_response(request: HttpRequest, *, repo: Repo, path: str, app_file: str) -> HttpResponse:
    """GET/HEAD of `path` (the app file for the root, index.html for a folder)."""
    if request.method not in {"GET", "HEAD"}:
        raise errors.MethodNotAllowed(f"{request.method} is not allowed on a static Space")
    if path == "":
        path = app_file
    elif path.endswith("/"):
        path += "index.html"
    user, token = caller(request)
    file = repo_file_open(user=user, token=token, repo=repo, rev="main", path=path)
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if content_type.startswith(_TEXT):
        content_type += "; charset=utf-8"
    if request.method == "HEAD":
        body = b""
    else:
        body = file.chunks()
        file_read_audit(request, file, size=file.size)  # a private Space's files are reads too
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Length"] = str(file.size)
    response["ETag"] = f'"{file.entry.oid}"'
    response["Cache-Control"] = "no-cache"
    return response
