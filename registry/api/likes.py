from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api.serializers import iso
from registry.models import Like
from registry.request import api_repo, base_url, cursor_decode, next_link
from registry.selectors import user_get_visible_likes
from registry.services.activity import like_add, like_remove

PAGE = 100


def _paginate(request: Request, queryset, url: str, render) -> Response:
    start = cursor_decode(request.query_params.get("cursor"))
    rows = list(queryset[start : start + PAGE + 1])
    response = Response([render(row) for row in rows[:PAGE]])
    if len(rows) > PAGE:
        response["Link"] = next_link(url, request.query_params, start + PAGE)
    return response


class LikeView(APIView):
    def post(self, request: Request, repo_type: str, namespace: str, name: str) -> Response:
        like_add(user=request.user, repo=api_repo(request, repo_type, namespace, name))
        return Response({})

    def delete(self, request: Request, repo_type: str, namespace: str, name: str) -> Response:
        like_remove(user=request.user, repo=api_repo(request, repo_type, namespace, name))
        return Response({})


class LikersView(APIView):
    def get(self, request: Request, repo_type: str, namespace: str, name: str) -> Response:
        repo = api_repo(request, repo_type, namespace, name)
        likes = Like.objects.filter(repo=repo).select_related("user").order_by("-created_at", "-id")
        url = f"{base_url(request)}/api/{repo_type}/{repo.repo_id}/likers"
        return _paginate(
            request,
            likes,
            url,
            lambda like: {
                "user": like.user.username,
                "fullname": like.user.display_name,
                "avatarUrl": "",
                "type": "user",
            },
        )


class UserLikesView(APIView):
    def get(self, request: Request, username: str) -> Response:
        likes = user_get_visible_likes(viewer=request.user, username=username)
        url = f"{base_url(request)}/api/users/{username}/likes"
        return _paginate(
            request,
            likes,
            url,
            lambda like: {
                "createdAt": iso(like.created_at),
                "repo": {"name": like.repo.repo_id, "type": like.repo.type},
            },
        )
