"""The repo's LFS objects (`list_lfs_files`) and their permanent deletion
(`permanently_delete_lfs_files`), as the storage section of the Hub's settings offers."""

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import errors
from registry.api.serializers import iso
from registry.request import api_repo, caller, open_git
from registry.services.lfs import lfs_files_delete, lfs_files_list, repos_storage_list


class LfsFilesView(APIView):
    def get(self, request: Request, repo_type: str, namespace: str, name: str) -> Response:
        repo = api_repo(request, repo_type, namespace, name)
        user, token = caller(request)
        files = lfs_files_list(user=user, token=token, repo=repo, git=open_git(repo))
        return Response(
            [
                # LFSFileInfo reads fileOid (what deletion takes) and oid: both the sha256.
                {
                    "fileOid": f.oid,
                    "oid": f.oid,
                    "size": f.size,
                    "pushedAt": iso(f.pushed_at),
                    "filename": f.filename,
                    "ref": f.ref,
                }  # fmt: skip
                for f in files
            ]
        )


class LfsFilesBatchView(APIView):
    def post(self, request: Request, repo_type: str, namespace: str, name: str) -> Response:
        repo = api_repo(request, repo_type, namespace, name)
        user, token = caller(request)
        deletions = request.data.get("deletions") if isinstance(request.data, dict) else None
        if not isinstance(deletions, dict):
            raise errors.BadRequest("The body must be {deletions: {sha: [...], rewriteHistory}}")
        lfs_files_delete(
            user=user,
            token=token,
            repo=repo,
            git=open_git(repo),
            oids=deletions.get("sha"),
            rewrite_history=bool(deletions.get("rewriteHistory", True)),
        )
        return Response(status=204)


class RepoStorageView(APIView):
    """`list_user_repos` (`hf repos ls`): /api/settings/repositories and
    /api/organizations/{namespace}/settings/repositories."""

    def get(self, request: Request, namespace: str | None = None) -> Response:
        rows = repos_storage_list(user=request.user, namespace_name=namespace)
        return Response(
            [
                {
                    "id": row.repo.repo_id,
                    "type": row.repo.type,
                    "updatedAt": iso(row.repo.last_modified),
                    "visibility": "private" if row.repo.private else "public",
                    "storage": row.storage,
                    "storagePercent": row.percent,
                }
                for row in rows
            ]
        )
