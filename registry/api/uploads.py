import base64
import binascii

import pathspec
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import errors
from registry.api.commit_payload import parse_commit_stream
from registry.cards import CARD_MAX_BYTES
from registry.gitstore import GitRepo
from registry.names import validate_path_in_repo
from registry.request import api_repo, caller, open_git, query_bool, repo_url
from registry.services.changes import change_commit, commit_target
from registry.services.commits import lfs_pointer_changes
from registry.services.scans import secrets_warning

# Files over 10 MB go through LFS whatever their name, as on the Hub.
LFS_SIZE_THRESHOLD = 10 * 1024 * 1024


def _ignore_spec(git: GitRepo, sha: str, extra: str | None) -> pathspec.PathSpec:
    lines = []
    entry = git.entry(sha, ".gitignore")
    if entry is not None and entry.type == "file" and entry.lfs is None:
        lines += git.read_text(entry.oid, limit=CARD_MAX_BYTES).splitlines()
    if extra:
        lines += extra.splitlines()
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _upload_mode(git: GitRepo, sha: str, path: str, size: int, sample: bytes) -> str:
    if size > LFS_SIZE_THRESHOLD or b"\x00" in sample or git.is_lfs_path(sha, path):
        return "lfs"
    return "regular"


def _remote_oid(git: GitRepo, sha: str, path: str) -> str | None:
    """sha256 for an LFS file, git blob id for a regular one: what the client compares."""
    entry = git.entry(sha, path)
    if entry is None or entry.type != "file":
        return None
    return entry.lfs.oid if entry.lfs else entry.oid


class PreuploadView(APIView):
    def post(self, request: Request, repo_type: str, namespace: str, name: str, rev: str):
        repo = api_repo(request, repo_type, namespace, name)
        files = request.data.get("files")
        if not isinstance(files, list):
            raise errors.BadRequest("'files' must be a list")
        git = open_git(repo)
        sha = git.resolve(rev)
        ignore = _ignore_spec(git, sha, request.data.get("gitIgnore"))
        answer = []
        for item in files:
            path, size, sample = _preupload_item(item)
            answer.append(
                {
                    "path": path,
                    "uploadMode": _upload_mode(git, sha, path, size, sample),
                    "shouldIgnore": ignore.match_file(path),
                    "oid": _remote_oid(git, sha, path),
                }
            )
        return Response({"files": answer, "commitOid": sha})


def _preupload_item(item: dict) -> tuple[str, int, bytes]:
    if not isinstance(item, dict):
        raise errors.BadRequest("Each file must be an object with path, size and sample")
    path = validate_path_in_repo(item.get("path"))
    size = item.get("size", 0)
    if not isinstance(size, int) or size < 0:
        raise errors.BadRequest(f"{path}: size must be a non-negative integer")
    try:
        sample = base64.b64decode(item.get("sample") or "", validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise errors.BadRequest(f"{path}: sample is not valid base64") from None
    return path, size, sample


@require_POST
def commit(request: HttpRequest, repo_type: str, namespace: str, name: str, rev: str):
    repo = api_repo(request, repo_type, namespace, name)
    user, token = caller(request)
    git = open_git(repo)
    target = commit_target(
        user=user,
        token=token,
        repo=repo,
        git=git,
        rev=rev,
        create_pr=query_bool(request, "create_pr"),
    )
    header, items = parse_commit_stream(request, git)
    result = change_commit(
        user=user,
        token=token,
        repo=repo,
        git=git,
        target=target,
        changes=lfs_pointer_changes(user=user, repo=repo, git=git, items=items),
        summary=header.summary,
        description=header.description,
        parent_commit=header.parent_commit,
    )
    base = repo_url(request, repo)
    response = JsonResponse(
        {
            "success": True,
            "commitOid": result.sha,
            "commitUrl": f"{base}/commit/{result.sha}",
            "pullRequestUrl": f"{base}/discussions/{result.pull.num}" if result.pull else None,
            "secrets": result.secrets,
        }
    )
    if result.secrets:
        # The stock client logs each X-HF-Warning once per topic: one topic per commit.
        response["X-HF-Warning"] = f"secrets-{result.sha}; {secrets_warning(result.secrets)}"
    return response
