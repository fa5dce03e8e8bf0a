"""The home page, the model/dataset/space listings and the search page."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from registry.models import Repo
from registry.selectors import repo_search
from registry.web import queries
from registry.web.forms import LISTING_FILTERS, SORTS
from registry.web.views.common import page_number

PLURAL_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
SEARCH_LIMIT = 10


def home(request: HttpRequest) -> HttpResponse:
    sections = [
        (plural, queries.trending(user=request.user, repo_type=repo_type))
        for plural, repo_type in PLURAL_TYPES.items()
    ]
    return render(request, "home.html", {"sections": sections})


def _filter_tags(params, repo_type: str) -> list[str]:
    """The listing's filter fields as the tags repo_search matches (see registry.cards)."""
    tags = []
    if params.get("library"):
        tags.append(params["library"])
    if params.get("license"):
        tags.append(f"license:{params['license']}")
    if params.get("language"):
        prefix = "language:" if repo_type == Repo.Type.DATASET else ""
        tags.append(prefix + params["language"])
    if params.get("tag"):
        tags.append(params["tag"])
    return tags


def listing(request: HttpRequest, plural: str) -> HttpResponse:
    repo_type = PLURAL_TYPES[plural]
    params = request.GET
    sort = params.get("sort") if params.get("sort") in SORTS else "trending"
    search = params.get("search", "").strip()
    queryset = repo_search(
        user=request.user,
        repo_type=repo_type,
        search=[search] if search else [],
        author=None,
        filters=_filter_tags(params, repo_type),
        pipeline_tag=params.get("task") or None,
        sort=SORTS[sort],
    )
    page = queries.page_of(queryset, number=page_number(request), size=queries.LISTING_PAGE)
    context = {
        "plural": plural,
        "repo_type": repo_type,
        "page": page,
        "sort": sort,
        "sorts": SORTS,
        "search": search,
        "filters": LISTING_FILTERS,
        "active": {key: params.get(key, "") for key in ("task", "library", "license")},
        "language": params.get("language", ""),
        "tag": params.get("tag", ""),
        "query": _without_page(params),
    }
    return render(request, "listing.html", context)


def search(request: HttpRequest) -> HttpResponse:
    """Repos of every type whose name matches `q`, a few of each."""
    q = request.GET.get("q", "").strip()
    sections = []
    if q:
        for plural, repo_type in PLURAL_TYPES.items():
            queryset = repo_search(
                user=request.user,
                repo_type=repo_type,
                search=[q],
                author=None,
                filters=[],
                pipeline_tag=None,
                sort="trendingScore",
            )
            sections.append((plural, list(queryset[:SEARCH_LIMIT])))
    return render(request, "search.html", {"q": q, "sections": sections})


def _without_page(params):
    query = params.copy()
    query.pop("p", None)
    return query
