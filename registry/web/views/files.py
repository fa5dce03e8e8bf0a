"""Files and versions: the tree per revision, the file viewer, raw bytes for previews."""

import re

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_for_filename
from pygments.util import ClassNotFound

from registry import errors
from registry.gitstore import Entry, GitRepo
from registry.names import validate_path_in_repo
from registry.repofiles import RepoFile, repo_file_open
from registry.request import caller, file_read_audit, open_git, rev_and_path, web_repo
from registry.services.scans import verdicts_of
from registry.web import queries
from registry.web.preview import PreviewError, preview_format, table_page
from registry.web.views.common import repo_header, rev_url

MAX_SHOWN_TEXT = 1024 * 1024
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
# Raw bytes are user content on the hub's origin: never let a browser run them.
_RAW_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def located(request: HttpRequest, marker: str) -> tuple[str, str]:
    rev, path = rev_and_path(request, marker)
    if path:
        validate_path_in_repo(path)
    return rev or "main", path


def _breadcrumbs(repo, rev: str, path: str) -> list[tuple[str, str]]:
    parts = path.split("/") if path else []
    return [
        (part, rev_url(repo, "tree", rev, "/".join(parts[: i + 1]))) for i, part in enumerate(parts)
    ]


def _file_context(request, repo, git: GitRepo, rev: str, path: str, tab: str) -> dict:
    return {
        "header": repo_header(request, repo, tab=tab, rev=rev),
        "rev": rev,
        "path": path,
        "crumbs": _breadcrumbs(repo, rev, path),
        "revisions": queries.revisions(git=git),
        "tree_root": rev_url(repo, "tree", rev),
        "switch_kind": tab if tab == "commits" else "tree",
    }


def tree(
    request: HttpRequest, namespace: str, name: str, rest: str = "", prefix: str | None = None
) -> HttpResponse:
    repo = web_repo(request, prefix, namespace, name)
    rev, path = located(request, "/tree/") if rest else ("main", "")
    git = open_git(repo)
    sha = git.resolve(rev)
    entry = git.entry(sha, path) if path else None
    if path and entry is None:
        raise errors.EntryNotFound(f"{path} does not exist at {rev}")
    if entry is not None and entry.type == "file":
        return redirect(rev_url(repo, "blob", rev, path))
    rows, truncated = queries.tree_rows(repo=repo, git=git, sha=sha, path=path)
    context = _file_context(request, repo, git, rev, path, "files")
    context |= {"rows": rows, "truncated": truncated, "sha": sha, "head": git.commit_info(sha)}
    context["total_size"] = queries.revision_size(repo=repo, git=git, sha=sha)
    return render(request, "repo/tree.html", context)


def _highlighted(path: str, text: str) -> str:
    try:
        lexer = get_lexer_for_filename(path, stripnl=False)
    except ClassNotFound:
        lexer = TextLexer(stripnl=False)
    return highlight(text, lexer, HtmlFormatter(linenos="table", cssclass="highlight"))


def _extension(path: str) -> str:
    match = re.search(r"\.[^./]+$", path)
    return match.group(0).lower() if match else ""


def _view_of(file: RepoFile | None, entry: Entry) -> dict:
    """How the viewer shows a file: image, table, highlighted text, or only its facts.

    `file` is None when the repo does not own the object a pointer names: the page then
    shows the entry's facts and nothing of its bytes.
    """
    ext = _extension(entry.path)
    view = {"image": ext in IMAGE_TYPES, "table_format": preview_format(entry.path)}
    if file is None:
        return view | {"image": False, "table_format": None, "missing": True}
    if entry.lfs is not None or view["image"] or view["table_format"]:
        return view
    if entry.size > MAX_SHOWN_TEXT:
        return view | {"too_large": True}
    data = file.read(limit=MAX_SHOWN_TEXT)
    if b"\x00" in data[:8000]:
        return view | {"binary": True}
    return view | {"code": _highlighted(entry.path, data.decode("utf-8", "replace"))}


def _table(file: RepoFile, fmt: str, offset: int) -> dict:
    try:
        source = file.open()
    except FileNotFoundError:
        return {"error": "The file's bytes are missing from storage"}
    try:
        return {"table": table_page(source, fmt, offset=offset)}
    except PreviewError as exc:
        return {"error": f"This file cannot be previewed as a table: {exc}"}
    finally:
        source.close()


def _readable(request: HttpRequest, repo, git: GitRepo, sha: str, entry: Entry) -> RepoFile | None:
    user, token = caller(request)
    try:
        return repo_file_open(user=user, token=token, repo=repo, rev=sha, path=entry.path, git=git)
    except errors.EntryNotFound:
        return None


def blob(
    request: HttpRequest, namespace: str, name: str, rest: str, prefix: str | None = None
) -> HttpResponse:
    repo = web_repo(request, prefix, namespace, name)
    rev, path = located(request, "/blob/")
    git = open_git(repo)
    sha = git.resolve(rev)
    entry = git.entry(sha, path) if path else None
    if entry is None:
        raise errors.EntryNotFound(f"{path} does not exist at {rev}")
    if entry.type == "directory":
        return redirect(rev_url(repo, "tree", rev, path))
    file = _readable(request, repo, git, sha, entry)
    view = _view_of(file, entry)
    if view["table_format"]:
        offset = int(request.GET["offset"]) if request.GET.get("offset", "").isdigit() else 0
        view |= _table(file, view["table_format"], offset)
    context = _file_context(request, repo, git, rev, path, "files")
    context |= {
        "entry": entry,
        "view": view,
        "sha": sha,
        "raw_url": rev_url(repo, "raw", rev, path),
        "download_url": rev_url(repo, "resolve", rev, path) + "?download=true",
        "edit_url": rev_url(repo, "edit", rev, path),
        "delete_url": rev_url(repo, "delete", rev, path),
        "security": verdicts_of(entries=[entry]).get(entry.path),
    }
    return render(request, "repo/blob.html", context)


def raw(
    request: HttpRequest, namespace: str, name: str, rest: str, prefix: str | None = None
) -> HttpResponse:
    """The file's bytes for in-page previews; not a download (those go through /resolve/)."""
    repo = web_repo(request, prefix, namespace, name)
    rev, path = located(request, "/raw/")
    user, token = caller(request)
    file = repo_file_open(user=user, token=token, repo=repo, rev=rev, path=path)
    content_type = IMAGE_TYPES.get(_extension(path), "text/plain; charset=utf-8")
    file_read_audit(request, file, size=file.size)
    response = StreamingHttpResponse(file.chunks(), content_type=content_type)
    response["Content-Length"] = str(file.size)
    response["Content-Security-Policy"] = _RAW_CSP
    response["X-Content-Type-Options"] = "nosniff"
    return response
