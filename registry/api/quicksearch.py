"""GET /api/quicksearch: the header's type-ahead, in the Hub's shape (`models`, `datasets`,
`spaces` of `{id}`, each with a count, `users` and `orgs` with names)."""

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import errors
from registry.selectors import REPO_TYPES, quick_search

MAX_QUERY = 100


class QuickSearchView(APIView):
    def get(self, request: Request) -> Response:
        q = request.query_params.get("q", "").strip()
        if len(q) > MAX_QUERY:
            raise errors.BadRequest(f"q is over {MAX_QUERY} characters")
        if not q:
            return Response(_empty())
        found = quick_search(user=request.user, q=q)
        body = {"q": q}
        for plural in REPO_TYPES:
            body[plural] = [{"id": repo.repo_id, "_id": str(repo.pk)} for repo in found[plural]]
            body[f"{plural}Count"] = found[f"{plural}Count"]
        body["users"] = [
            {"user": u.username, "fullname": u.fullname or u.username, "avatarUrl": ""}
            for u in found["users"]
        ]
        body["orgs"] = [
            {"name": o.name, "fullname": o.fullname or o.name, "avatarUrl": ""}
            for o in found["orgs"]
        ]
        return Response(body)


def _empty() -> dict:
    body: dict = {"q": ""}
    for plural in REPO_TYPES:
        body[plural] = []
        body[f"{plural}Count"] = 0
    return body | {"users": [], "orgs": []}
