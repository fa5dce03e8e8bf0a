from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import errors
from registry.api.serializers import iso, sibling_json
from registry.cards import card_tags
from registry.models import Repo
from registry.request import base_url, cursor_decode, next_link, open_git, query_bool
from registry.selectors import REPO_TYPES, repo_search
from registry.signals import repo_info_extras

MAX_PAGE = 1000
EXPANDABLE = {
    "author",
    "cardData",
    "createdAt",
    "disabled",
    "downloads",
    "downloadsAllTime",
    "gated",
    "lastModified",
    "library_name",
    "likes",
    "pipeline_tag",
    "private",
    "sha",
    "siblings",
    "tags",
    "trendingScore",
}
# What list_spaces(expand=...) may also name: a Space's `sdk` (from its card), and the
# fields the spaces app adds to space_info (registry.signals.repo_info_extend).
SPACE_APP_FIELDS = {"runtime", "subdomain"}
EXPANDABLE_SPACES = EXPANDABLE | SPACE_APP_FIELDS | {"sdk"}


def repo_summary_json(
    repo: Repo, *, card: bool, siblings: bool, extras_base_url: str | None = None
) -> dict:
    """A repo in a listing; with `extras_base_url`, also the fields the apps add to its info
    answer (one more lookup per repo, so only when asked)."""
    body = {
        "_id": str(repo.storage_id),
        "id": repo.repo_id,
        "author": repo.namespace.name,
        "private": repo.private,
        "gated": repo.gated or False,
        "disabled": False,
        "downloads": repo.downloads,
        "downloadsAllTime": repo.downloads,
        "likes": repo.likes,
        "trendingScore": repo.trending_score,
        "tags": card_tags(repo.card_data, repo_type=repo.type),
        "createdAt": iso(repo.created_at),
        "lastModified": iso(repo.last_modified),
        "sha": repo.head_sha,
    }
    if repo.type == Repo.Type.MODEL:
        body["pipeline_tag"] = repo.pipeline_tag or None
        body["library_name"] = repo.library_name or None
    if repo.type == Repo.Type.SPACE:
        body["sdk"] = repo.card_data.get("sdk") if isinstance(repo.card_data, dict) else None
    if card:
        body["cardData"] = repo.card_data
    if siblings and repo.head_sha:
        git = open_git(repo)
        files = git.list_tree(repo.head_sha, recursive=True)
        body["siblings"] = [sibling_json(e, blobs=False) for e in files if e.type == "file"]
    if extras_base_url is not None:
        body.update(repo_info_extras(repo=repo, base_url=extras_base_url))
    return body


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return MAX_PAGE
    try:
        limit = int(raw)
    except ValueError:
        raise errors.BadRequest("limit must be an integer") from None
    if limit < 1:
        raise errors.BadRequest("limit must be positive")
    return min(limit, MAX_PAGE)


class RepoListView(APIView):
    """GET /api/models|datasets|spaces: search, filter, sort, paginate with absolute Links."""

    def get(self, request: Request, repo_type: str):
        params = request.query_params
        queryset = repo_search(
            user=request.user,
            repo_type=REPO_TYPES[repo_type],
            search=params.getlist("search"),
            author=params.get("author"),
            filters=params.getlist("filter"),
            pipeline_tag=params.get("pipeline_tag"),
            library=params.get("library"),
            sort=params.get("sort"),
        )
        if params.get("gated") in {"true", "false"}:  # list_models(gated=True|False)
            gated = queryset.exclude(gated="")
            queryset = gated if params["gated"] == "true" else queryset.filter(gated="")
        limit, start = _limit(request), cursor_decode(params.get("cursor"))
        rows = list(queryset[start : start + limit + 1])
        expand = set(params.getlist("expand"))
        expandable = EXPANDABLE_SPACES if repo_type == "spaces" else EXPANDABLE
        if expand - expandable:
            raise errors.BadRequest(f"Cannot expand {', '.join(sorted(expand - expandable))}")
        full = query_bool(request, "full")
        # list_spaces(expand=["runtime"]) and full=True read each Space's runtime.
        extras = repo_type == "spaces" and (full or bool(expand & SPACE_APP_FIELDS))
        items = [
            repo_summary_json(
                repo,
                card=full or query_bool(request, "cardData") or "cardData" in expand,
                siblings=full or "siblings" in expand,
                extras_base_url=base_url(request) if extras else None,
            )
            for repo in rows[:limit]
        ]
        if expand:
            items = [
                {k: v for k, v in item.items() if k in expand | {"_id", "id"}} for item in items
            ]
        response = Response(items)
        if len(rows) > limit:
            url = f"{base_url(request)}/api/{repo_type}"
            response["Link"] = next_link(url, params, start + limit)
        return response
