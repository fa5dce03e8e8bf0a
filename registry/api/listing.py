import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from registry import errors
from registry.api.serializers import iso, sibling_json
from registry.cards import card_tags
from registry.models import Repo
from registry.request import base_url, caller, cursor_decode, next_link, open_git, query_bool
from registry.selectors import REPO_TYPES, repo_search
from registry.services.listings import listing_version
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

    def get(self, request: Request, repo_type: str) -> HttpResponse:
        """The answer as the same caller last got it for the same query, while no listed
        row changed since (registry.services.listings); else built and kept."""
        seconds = settings.HUB_LIST_CACHE_SECONDS
        key = _cache_key(request, repo_type) if seconds else None
        kept = cache.get(key) if key else None
        if kept is None:
            kept = self._answer(request, repo_type)
            if key:
                cache.set(key, kept, timeout=seconds)
        body, link = kept
        response = HttpResponse(body, content_type="application/json")
        if link:
            response["Link"] = link
        return response

    def _answer(self, request: Request, repo_type: str) -> tuple[bytes, str]:
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
        link = ""
        if len(rows) > limit:
            url = f"{base_url(request)}/api/{repo_type}"
            link = next_link(url, params, start + limit)
        return JSONRenderer().render(items), link


def _cache_key(request: Request, repo_type: str) -> str:
    """Who asks (a token by its id: a fine-grained one sees its scope only; a session by its
    user), what (every query parameter, and the address links are made of), and the listing
    version the answer is valid for."""
    user, token = caller(request)
    who = f"t{token.public_id}" if token is not None else f"u{user.pk}" if user.pk else "anon"
    query = sorted((k, v) for k in request.query_params for v in request.query_params.getlist(k))
    what = json.dumps([repo_type, base_url(request), who, query]).encode()
    return f"registry:listing:{listing_version()}:{hashlib.sha256(what).hexdigest()}"
