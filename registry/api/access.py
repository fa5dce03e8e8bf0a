"""Access requests of gated repos, as `HfApi.*access_request*` and `grant_access` drive them."""

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import errors
from registry.api.serializers import iso
from registry.models import AccessRequest
from registry.request import api_repo, base_url, caller, cursor_decode, next_link
from registry.services.access import access_grant, access_request_handle, access_requests_list

PAGE = 100


def access_request_json(row: AccessRequest) -> dict:
    """The Hub's shape; `email` only when the user shared it by asking (not when granted)."""
    body = {
        "requestId": row.public_id.hex,
        "status": row.status,
        "timestamp": iso(row.created_at),
        "user": {
            "user": row.user.username,
            "fullname": row.user.display_name,
            "email": row.email or None,
            "type": "user",
        },
        "fields": row.fields or None,
    }
    if row.reason:
        body["rejectionReason"] = row.reason
    return body


def _text(body, key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise errors.BadRequest(f"{key} must be a string")
    return value


class AccessRequestListView(APIView):
    def get(self, request: Request, repo_type: str, namespace: str, name: str, status: str):
        repo = api_repo(request, repo_type, namespace, name)
        user, token = caller(request)
        rows = access_requests_list(user=user, token=token, repo=repo, status=status)
        start = cursor_decode(request.query_params.get("cursor"))
        page = list(rows[start : start + PAGE + 1])
        response = Response([access_request_json(row) for row in page[:PAGE]])
        if len(page) > PAGE:
            url = f"{base_url(request)}/api/{repo_type}/{repo.repo_id}/user-access-request/{status}"
            response["Link"] = next_link(url, request.query_params, start + PAGE)
        return response


class AccessRequestHandleView(APIView):
    def post(self, request: Request, repo_type: str, namespace: str, name: str) -> Response:
        repo = api_repo(request, repo_type, namespace, name)
        user, token = caller(request)
        body = request.data
        row = access_request_handle(
            user=user,
            token=token,
            repo=repo,
            status=_text(body, "status") or "",
            username=_text(body, "user"),
            request_id=_text(body, "requestId"),
            reason=_text(body, "rejectionReason"),
        )
        return Response(access_request_json(row))


class AccessGrantView(APIView):
    def post(self, request: Request, repo_type: str, namespace: str, name: str) -> Response:
        repo = api_repo(request, repo_type, namespace, name)
        user, token = caller(request)
        row = access_grant(user=user, token=token, repo=repo, username=_text(request.data, "user"))
        return Response(access_request_json(row))
