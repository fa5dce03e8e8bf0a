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
from registry.api.common import api_repo, caller, open_git, query_bool, repo_url
from registry.gitstore import GitRepo
from registry.names import validate_path_in_repo
from registry.selectors import require_write
from registry.services import discussions
from registry.services.commits import branch_ref, commit_create, lfs_pointer_changes

# Files over 10 MB go through LFS whatever their name, as on the Hub.
LFS_SIZE_THRESHOLD = 10 * 1024 * 1024


def _ignore_spec(git: GitRepo, sha: str, extra: str | None) -> pathspec.PathSpec:
    lines = []
    entry = git.entry(sha, ".gitignore")
    if entry is not None and entry.type == "file" and entry.lfs is None:
        lines += git.read_blob(entry.oid).decode("utf-8", "replace").splitlines()
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
    create_pr = query_bool(request, "create_pr")
    pull = _authorise_commit(user, token, repo, rev, create_pr=create_pr)
    ref = branch_ref(git, rev)
    header, items = parse_commit_stream(request, git)
    changes = lfs_pointer_changes(user=user, repo=repo, git=git, items=items)
    if create_pr:
        pull = discussions.discussion_create(
            user=user,
            token=token,
            repo=repo,
            git=git,
            title=header.summary,
            description=header.description,
            pull_request=True,
            target_branch=ref[11:],
        )
        ref = pull.git_ref
    try:
        sha = commit_create(
            user=user,
            repo=repo,
            git=git,
            ref=ref,
            parent_commit=header.parent_commit,
            changes=changes,
            message=header.message,
        )
    except errors.HubError:
        if create_pr:
            discussions.discussion_discard(discussion=pull, git=git)
        raise
    if pull is not None:
        discussions.pr_record_commit(user=user, discussion=pull, sha=sha, title=header.summary)
    base = repo_url(request, repo)
    return JsonResponse(
        {
            "success": True,
            "commitOid": sha,
            "commitUrl": f"{base}/commit/{sha}",
            "pullRequestUrl": f"{base}/discussions/{pull.num}" if pull is not None else None,
        }
    )


def _authorise_commit(user, token, repo, rev: str, *, create_pr: bool):
    """Writers commit to branches; anyone who can see the repo may open or extend their PR.

    Returns the pull request an existing refs/pr/<num> commit goes to, else None.
    """
    if create_pr:
        if rev.startswith("refs/pr/"):
            raise errors.BadRequest("create_pr needs a branch to open the pull request against")
        discussions.require_participant(user, token)
        return None
    if rev.startswith("refs/pr/") and rev[8:].isdigit():
        discussions.require_participant(user, token)
        return discussions.pr_for_commit(user=user, repo=repo, num=int(rev[8:]))
    require_write(user=user, token=token, namespace=repo.namespace)
    return None
