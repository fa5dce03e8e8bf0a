import itertools

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import errors
from registry.api.serializers import iso
from registry.models import Discussion
from registry.request import api_repo, base_url, caller, open_git, query_bool
from registry.services import refs

COMMITS_PAGE_SIZE = 50


class BranchView(APIView):
    def post(self, request: Request, repo_type: str, namespace: str, name: str, branch: str):
        repo = api_repo(request, repo_type, namespace, name)
        user, token = caller(request)
        refs.branch_create(
            user=user,
            token=token,
            repo=repo,
            git=open_git(repo),
            branch=branch,
            starting_point=request.data.get("startingPoint"),
        )
        return Response({})

    def delete(self, request: Request, repo_type: str, namespace: str, name: str, branch: str):
        repo = api_repo(request, repo_type, namespace, name)
        user, token = caller(request)
        refs.branch_delete(user=user, token=token, repo=repo, git=open_git(repo), branch=branch)
        return Response({})


class TagView(APIView):
    """POST .../tag/{revision} creates a tag on a revision; DELETE .../tag/{tag} deletes it."""

    def post(self, request: Request, repo_type: str, namespace: str, name: str, target: str):
        repo = api_repo(request, repo_type, namespace, name)
        user, token = caller(request)
        tag = request.data.get("tag")
        if not isinstance(tag, str):
            raise errors.BadRequest("'tag' is required")
        refs.tag_create(
            user=user,
            token=token,
            repo=repo,
            git=open_git(repo),
            tag=tag,
            revision=target,
            message=request.data.get("message"),
        )
        return Response({})

    def delete(self, request: Request, repo_type: str, namespace: str, name: str, target: str):
        repo = api_repo(request, repo_type, namespace, name)
        user, token = caller(request)
        refs.tag_delete(user=user, token=token, repo=repo, git=open_git(repo), tag=target)
        return Response({})


def _ref_list(found: dict[str, str], prefix: str) -> list[dict]:
    return [
        {"name": ref.removeprefix(prefix), "ref": ref, "targetCommit": sha}
        for ref, sha in sorted(found.items())
    ]


class RefsView(APIView):
    def get(self, request: Request, repo_type: str, namespace: str, name: str):
        repo = api_repo(request, repo_type, namespace, name)
        git = open_git(repo)
        body = {
            "branches": _ref_list(git.refs("refs/heads/"), "refs/heads/"),
            "converts": _ref_list(git.refs("refs/convert/"), "refs/convert/"),
            "tags": _ref_list(git.refs("refs/tags/"), "refs/tags/"),
        }
        if query_bool(request, "include_prs"):
            numbers = set(
                Discussion.objects.filter(repo=repo, is_pull_request=True).values_list(
                    "num", flat=True
                )
            )
            pulls = {
                r: s
                for r, s in git.refs("refs/pr/").items()
                if r.removeprefix("refs/pr/").isdigit() and int(r[8:]) in numbers
            }
            body["pullRequests"] = _ref_list(pulls, "refs/pr/")
        return Response(body)


class CommitsView(APIView):
    def get(self, request: Request, repo_type: str, namespace: str, name: str, rev: str):
        repo = api_repo(request, repo_type, namespace, name)
        git = open_git(repo)
        sha = git.resolve(rev)
        page = _page_number(request)
        start = page * COMMITS_PAGE_SIZE
        walked = itertools.islice(git.walk_commits(sha), start, start + COMMITS_PAGE_SIZE + 1)
        infos = [git.commit_info(str(commit.id)) for commit in walked]
        formatted = "formatted" in request.query_params.getlist("expand[]")
        body = [_commit_json(info, formatted=formatted) for info in infos[:COMMITS_PAGE_SIZE]]
        response = Response(body)
        if len(infos) > COMMITS_PAGE_SIZE:
            url = f"{base_url(request)}/api/{repo_type}/{repo.repo_id}/commits/{sha}"
            query = request.query_params.copy()
            query["p"] = str(page + 1)
            response["Link"] = f'<{url}?{query.urlencode()}>; rel="next"'
        return response


def _page_number(request: Request) -> int:
    try:
        page = int(request.query_params.get("p", "0"))
    except ValueError:
        raise errors.BadRequest("p must be a page number") from None
    if page < 0:
        raise errors.BadRequest("p must be a page number")
    return page


def _commit_json(info, *, formatted: bool) -> dict:
    body = {
        "id": info.id,
        "title": info.title,
        "message": info.message,
        "date": iso(info.date),
        "authors": [{"user": info.author}],
    }
    if formatted:
        from django.utils.html import escape, linebreaks

        body["formatted"] = {
            "title": escape(info.title),
            "message": linebreaks(info.message, autoescape=True),
        }
    return body


class SuperSquashView(APIView):
    def post(self, request: Request, repo_type: str, namespace: str, name: str, branch: str):
        repo = api_repo(request, repo_type, namespace, name)
        user, token = caller(request)
        message = request.data.get("message") or f"Super-squash branch '{branch}'"
        sha = refs.super_squash(
            user=user,
            token=token,
            repo=repo,
            git=open_git(repo),
            branch=branch,
            message=str(message),
        )
        return Response({"commitId": sha})
