import json
import threading
from collections import OrderedDict
from urllib.parse import quote

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods
from rest_framework.request import Request
from rest_framework.views import APIView

from registry import errors
from registry.api.serializers import entry_json, security_json
from registry.models import Repo
from registry.names import validate_path_in_repo
from registry.repofiles import repo_file_open
from registry.request import (
    api_repo,
    base_url,
    caller,
    client_address,
    cursor_decode,
    file_read_audit,
    next_link,
    open_git,
    query_bool,
    read_token_allowed,
    rev_and_path,
    web_repo,
)
from registry.services.activity import download_record
from registry.services.objects import xet_hashes
from registry.services.scans import verdicts_of
from registry.serving import RangeRequest, file_response
from xetstore.services import cas_url

TREE_PAGE_SIZE = 1000
TREE_PAGE_SIZE_EXPANDED = 50


class _PageCache:
    """Answers by key, at most `limit` bytes of them, the least recently used dropped first."""

    def __init__(self, limit: int):
        self.limit, self.size = limit, 0
        self._pages: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            found = self._pages.get(key)
            if found is not None:
                self._pages.move_to_end(key)
            return found

    def put(self, key, value: tuple[bytes, bool]) -> None:
        with self._lock:
            if key in self._pages or len(value[0]) > self.limit // 4:
                return
            self._pages[key] = value
            self.size += len(value[0])
            while self.size > self.limit:
                _, dropped = self._pages.popitem(last=False)
                self.size -= len(dropped[0])


_tree_pages = _PageCache(limit=32 * 1024 * 1024)
_paths_answers = _PageCache(limit=16 * 1024 * 1024)


@require_http_methods(["GET", "HEAD"])
def tree(request: HttpRequest, repo_type: str, namespace: str, name: str, rest: str):
    repo = api_repo(request, repo_type, namespace, name)
    rev, path = rev_and_path(request, "/tree/")
    if path:
        validate_path_in_repo(path)
    git = open_git(repo)
    sha = git.resolve(rev)
    recursive, expand = query_bool(request, "recursive"), query_bool(request, "expand")
    page_size = TREE_PAGE_SIZE_EXPANDED if expand else TREE_PAGE_SIZE
    start = cursor_decode(request.GET.get("cursor"))
    # A page at a commit never changes: its JSON is kept per process (the permission check
    # above still runs on every request). Expanded pages carry scan verdicts, which do.
    key = None if expand else (repo.storage_id, sha, path, recursive, start)
    kept = _tree_pages.get(key) if key else None
    if kept is None:
        entries = git.list_tree(sha, path, recursive=recursive)
        page = entries[start : start + page_size]
        body = json.dumps(
            _entries_json(repo, git, sha, page, expand=expand), cls=DjangoJSONEncoder
        ).encode()
        kept = (body, start + page_size < len(entries))
        if key:
            _tree_pages.put(key, kept)
    body, more = kept
    response = HttpResponse(body, content_type="application/json")
    if more:
        # The next page is pinned to the commit, so a branch moving mid-listing cannot
        # shift entries between pages.
        next_url = f"{base_url(request)}/api/{repo_type}/{repo.repo_id}/tree/{sha}"
        if path:
            next_url += "/" + quote(path, safe="")
        response["Link"] = next_link(next_url, request.GET, start + page_size)
    return response


@read_token_allowed
class PathsInfoView(APIView):
    def post(self, request: Request, repo_type: str, namespace: str, name: str, rev: str):
        repo = api_repo(request, repo_type, namespace, name)
        paths = (
            request.data.getlist("paths")
            if hasattr(request.data, "getlist")
            else request.data.get("paths", [])
        )
        if isinstance(paths, str):
            paths = [paths]
        git = open_git(repo)
        sha = git.resolve(rev)
        wanted = tuple(dict.fromkeys(p.strip("/") for p in paths))
        for path in wanted:
            validate_path_in_repo(path)
        expand = str(request.data.get("expand", "")).lower() in {"1", "true"}
        # As tree pages: the answer at a commit is kept unless expanded (scan verdicts move).
        key = None if expand else (repo.storage_id, sha, wanted)
        kept = _paths_answers.get(key) if key else None
        if kept is None:
            found = [entry for path in wanted if (entry := git.entry(sha, path)) is not None]
            answer = _entries_json(repo, git, sha, found, expand=expand)
            kept = (json.dumps(answer, cls=DjangoJSONEncoder).encode(), False)
            if key:
                _paths_answers.put(key, kept)
        return HttpResponse(kept[0], content_type="application/json")


def _entries_json(repo: Repo, git, sha: str, entries: list, *, expand: bool) -> list[dict]:
    """Tree entries; with `expand`, each with the last commit that changed it and, for
    files, its `securityFileStatus`.

    LFS files the Xet store holds carry `xetHash`: huggingface_hub then downloads them
    through Xet without a HEAD call (the hash must name a file the store can serve).
    """
    last = git.last_commits(sha, [entry.path for entry in entries]) if expand else {}
    verdicts = verdicts_of(entries=entries) if expand else {}
    lfs = [(entry.lfs.oid, entry.lfs.size) for entry in entries if entry.lfs is not None]
    hashes = xet_hashes(repo=repo, objects=lfs) if lfs else {}
    bodies = []
    for entry in entries:
        body = entry_json(entry, last.get(entry.path))
        if entry.lfs is not None and entry.lfs.oid in hashes:
            body["xetHash"] = hashes[entry.lfs.oid]
        if expand and entry.type == "file":
            body["securityFileStatus"] = security_json(verdicts.get(entry.path))
        bodies.append(body)
    return bodies


@require_http_methods(["GET", "HEAD"])
def resolve(request: HttpRequest, namespace: str, name: str, rest: str, prefix: str | None = None):
    repo = web_repo(request, prefix, namespace, name)
    rev, path = rev_and_path(request, "/resolve/")
    user, token = caller(request)
    file = repo_file_open(user=user, token=token, repo=repo, rev=rev, path=path)
    if request.method == "GET":
        download_record(repo=repo, client=client_address(request))
        span = RangeRequest.parse(request, file.size)
        file_read_audit(request, file, size=span.end - span.start)
    oid = file.lfs.oid if file.lfs is not None else file.entry.oid
    headers = {"X-Repo-Commit": file.sha, "ETag": f'"{oid}"', "X-Linked-Size": str(file.size)}
    if file.lfs is not None:
        headers["X-Linked-Etag"] = f'"{oid}"'
    if file.xet_file is not None:
        headers |= _xet_headers(request, repo, file.sha, file.xet_file.file_hash)
    return file_response(request, file, headers=headers)


@require_http_methods(["GET", "HEAD"])
def resolve_without_namespace(request: HttpRequest) -> HttpResponse:
    raise errors.RepoNotFound(anonymous=not request.user.is_authenticated)


def _xet_headers(request: HttpRequest, repo: Repo, sha: str, file_hash: str) -> dict[str, str]:
    """What tells a Xet client to fetch the file from the Xet store, on the very response it
    reads: huggingface_hub follows a same-origin redirect and reads the target's headers."""
    token_url = f"{base_url(request)}/api/{repo.type}s/{repo.repo_id}/xet-read-token/{sha}"
    info_url = f"{cas_url(request)}/v1/reconstructions/{file_hash}"
    return {
        "X-Xet-Hash": file_hash,
        "Link": f'<{token_url}>; rel="xet-auth", <{info_url}>; rel="xet-reconstruction-info"',
    }
