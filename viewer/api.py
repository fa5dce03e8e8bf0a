"""The dataset viewer's API, in the shapes of the Hub's (datasets-server): every route names
the dataset in `?dataset=`, answers a dataset the caller cannot see as a missing one, and
reads the rows through DuckDB over the shards of refs/convert/parquet."""

from collections.abc import Callable
from urllib.parse import quote as url_quote

from django.http import HttpRequest, JsonResponse

from registry import errors
from registry.request import base_url, caller, repo_read_audit
from viewer import query, selectors
from viewer.croissant import croissant_of
from viewer.filters import orderby_parse, where_parse
from viewer.models import DatasetConversion
from viewer.query import SplitShards

PAGE_ROWS = 100
FIRST_ROWS_CELL_CHARS = 10_000


def _get_only(view: Callable) -> Callable:
    def wrapped(request: HttpRequest) -> JsonResponse:
        if request.method not in ("GET", "HEAD"):
            raise errors.MethodNotAllowed()
        return view(request)

    wrapped.__name__ = view.__name__
    return wrapped


def _dataset(request: HttpRequest):
    return selectors.dataset_get_visible(user=request.user, dataset=request.GET.get("dataset"))


def _int(request: HttpRequest, name: str, default: int, *, low: int, high: int) -> int:
    raw = request.GET.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.BadRequest(f"Parameter '{name}' must be an integer") from None
    if not low <= value <= high:
        raise errors.BadRequest(f"Parameter '{name}' must be between {low} and {high}")
    return value


def _features(conversion: DatasetConversion, config: str) -> list[dict]:
    features = conversion.features.get(config, {})
    return [
        {"feature_idx": index, "name": name, "type": feature}
        for index, (name, feature) in enumerate(features.items())
    ]


def _split_request(request: HttpRequest) -> tuple[DatasetConversion, dict, SplitShards]:
    conversion = selectors.conversion_done(_dataset(request))
    split = selectors.split_of(conversion, request.GET.get("config"), request.GET.get("split"))
    user, token = caller(request)
    shards = selectors.split_shards(user=user, token=token, conversion=conversion, split=split)
    # Rows, search, filter and statistics show the dataset's content: a read of a private or
    # gated dataset is an audit event, as a download of its files is.
    repo_read_audit(
        request, conversion.repo, action="repo.read.viewer", revision=conversion.convert_sha,
        path=f"{split['config']}/{split['split']}", route=request.path.rsplit("/", 1)[-1],
    )  # fmt: skip
    return conversion, split, shards


def _rows(page: query.Page, offset: int) -> list[dict]:
    return [
        {"row_idx": offset + index, "row": row, "truncated_cells": []}
        for index, row in enumerate(page.rows)
    ]


def _rows_answer(conversion, split, page: query.Page, offset: int) -> JsonResponse:
    return JsonResponse({
        "features": _features(conversion, split["config"]), "rows": _rows(page, offset),
        "num_rows_total": page.total, "num_rows_per_page": PAGE_ROWS, "partial": False,
    })  # fmt: skip


@_get_only
def is_valid(request: HttpRequest) -> JsonResponse:
    conversion = selectors.conversion_of(_dataset(request))
    ready = conversion is not None and conversion.status == DatasetConversion.Status.DONE
    searchable = ready and any(
        f.get("dtype") in ("string", "large_string")
        for features in conversion.features.values()
        for f in features.values()
        if isinstance(f, dict)
    )
    return JsonResponse({"preview": ready, "viewer": ready, "search": searchable,
                         "filter": ready, "statistics": ready})  # fmt: skip


@_get_only
def splits(request: HttpRequest) -> JsonResponse:
    repo = _dataset(request)
    conversion = selectors.conversion_done(repo)
    config = request.GET.get("config")
    return JsonResponse({
        "splits": [
            {"dataset": repo.repo_id, "config": s["config"], "split": s["split"]}
            for s in conversion.splits if config is None or s["config"] == config
        ],
        "pending": [], "failed": [],
    })  # fmt: skip


def _parquet_url(request: HttpRequest, repo, split: dict, filename: str) -> str:
    path = "/".join(url_quote(part, safe="") for part in (split["config"], split["split"]))
    return (f"{base_url(request)}/datasets/{repo.repo_id}/resolve/refs%2Fconvert%2Fparquet/"
            f"{path}/{filename}")  # fmt: skip


@_get_only
def parquet(request: HttpRequest) -> JsonResponse:
    repo = _dataset(request)
    conversion = selectors.conversion_done(repo)
    config = request.GET.get("config")
    files = [
        {"dataset": repo.repo_id, "config": s["config"], "split": s["split"],
         "url": _parquet_url(request, repo, s, f["filename"]), "filename": f["filename"],
         "size": f["size"]}
        for s in conversion.splits if config is None or s["config"] == config
        for f in s["files"]
    ]  # fmt: skip
    response = JsonResponse({"parquet_files": files, "pending": [], "failed": [],
                             "partial": False})  # fmt: skip
    response["X-Revision"] = conversion.revision
    return response


def _config_info(repo, conversion: DatasetConversion, config: str) -> dict:
    entries = [s for s in conversion.splits if s["config"] == config]
    return {
        "description": "", "citation": "", "homepage": "", "license": "",
        "features": conversion.features.get(config, {}), "builder_name": "parquet",
        "dataset_name": repo.name, "config_name": config,
        "version": {"version_str": "0.0.0", "major": 0, "minor": 0, "patch": 0},
        "splits": {
            s["split"]: {"name": s["split"], "num_bytes": s["num_bytes_memory"],
                         "num_examples": s["num_rows"], "dataset_name": repo.name}
            for s in entries
        },
        "download_size": sum(s["num_bytes_original_files"] for s in entries),
        "dataset_size": sum(s["num_bytes_memory"] for s in entries),
    }  # fmt: skip


@_get_only
def info(request: HttpRequest) -> JsonResponse:
    repo = _dataset(request)
    conversion = selectors.conversion_done(repo)
    config = request.GET.get("config")
    if config is not None:
        if config not in selectors.configs_of(conversion):
            raise selectors.SplitNotFound(f"No config {config!r}")
        body = {"dataset_info": _config_info(repo, conversion, config), "partial": False}
    else:
        infos = {c: _config_info(repo, conversion, c) for c in selectors.configs_of(conversion)}
        body = {"dataset_info": infos, "pending": [], "failed": [], "partial": False}
    response = JsonResponse(body)
    response["X-Revision"] = conversion.revision
    return response


def _sizes(repo, entries: list[dict], conversion: DatasetConversion) -> dict:
    return {
        "dataset": repo.repo_id,
        "num_bytes_original_files": sum(s["num_bytes_original_files"] for s in entries),
        "num_bytes_parquet_files": sum(s["num_bytes_parquet_files"] for s in entries),
        "num_bytes_memory": sum(s["num_bytes_memory"] for s in entries),
        "num_rows": sum(s["num_rows"] for s in entries),
    }


@_get_only
def size(request: HttpRequest) -> JsonResponse:
    repo = _dataset(request)
    conversion = selectors.conversion_done(repo)
    configs = [
        {**_sizes(repo, [s for s in conversion.splits if s["config"] == c], conversion),
         "config": c, "num_columns": len(conversion.features.get(c, {}))}
        for c in selectors.configs_of(conversion)
    ]  # fmt: skip
    splits_ = [
        {**_sizes(repo, [s], conversion), "config": s["config"], "split": s["split"],
         "num_columns": len(conversion.features.get(s["config"], {}))}
        for s in conversion.splits
    ]  # fmt: skip
    return JsonResponse({
        "size": {"dataset": _sizes(repo, conversion.splits, conversion), "configs": configs,
                 "splits": splits_},
        "pending": [], "failed": [], "partial": False,
    })  # fmt: skip


def _truncated(row: dict) -> tuple[dict, list[str]]:
    cut = [k for k, v in row.items() if isinstance(v, str) and len(v) > FIRST_ROWS_CELL_CHARS]
    return {k: v[:FIRST_ROWS_CELL_CHARS] if k in cut else v for k, v in row.items()}, cut


@_get_only
def first_rows(request: HttpRequest) -> JsonResponse:
    conversion, split, shards = _split_request(request)
    page = query.rows_at(shards=shards, offset=0, length=PAGE_ROWS, total=split["num_rows"])
    rows = []
    for index, row in enumerate(page.rows):
        kept, cut = _truncated(row)
        rows.append({"row_idx": index, "row": kept, "truncated_cells": cut})
    return JsonResponse({
        "dataset": conversion.repo.repo_id, "config": split["config"], "split": split["split"],
        "features": _features(conversion, split["config"]), "rows": rows,
        "truncated": page.total > len(rows),
    })  # fmt: skip


def _page(request: HttpRequest) -> tuple[int, int]:
    offset = _int(request, "offset", 0, low=0, high=2**62)
    return offset, _int(request, "length", PAGE_ROWS, low=0, high=PAGE_ROWS)


@_get_only
def rows(request: HttpRequest) -> JsonResponse:
    conversion, split, shards = _split_request(request)
    offset, length = _page(request)
    page = query.rows_at(shards=shards, offset=offset, length=length, total=split["num_rows"])
    return _rows_answer(conversion, split, page, offset)


def _string_columns(conversion: DatasetConversion, config: str) -> list[str]:
    return [
        name for name, f in conversion.features.get(config, {}).items()
        if isinstance(f, dict) and f.get("dtype") in ("string", "large_string")
    ]  # fmt: skip


@_get_only
def search(request: HttpRequest) -> JsonResponse:
    conversion, split, shards = _split_request(request)
    offset, length = _page(request)
    where, params = query.search_where(
        _string_columns(conversion, split["config"]), request.GET.get("query", "")
    )
    page = query.rows_page(shards=shards.paths, offset=offset, length=length, where=where,
                           params=params)  # fmt: skip
    return _rows_answer(conversion, split, page, offset)


@_get_only
def filter_(request: HttpRequest) -> JsonResponse:
    conversion, split, shards = _split_request(request)
    offset, length = _page(request)
    columns = list(conversion.features.get(split["config"], {}))
    where, params = "", []
    if request.GET.get("where", "").strip():
        where, params = where_parse(request.GET["where"], columns)
    orderby = ""
    if request.GET.get("orderby", "").strip():
        orderby = orderby_parse(request.GET["orderby"], columns)
    page = query.rows_page(shards=shards.paths, offset=offset, length=length, where=where,
                           params=params, orderby=orderby)  # fmt: skip
    return _rows_answer(conversion, split, page, offset)


@_get_only
def statistics(request: HttpRequest) -> JsonResponse:
    conversion, split, shards = _split_request(request)
    stats = query.column_statistics(
        shards=shards.paths, features=conversion.features.get(split["config"], {})
    )
    return JsonResponse({"num_examples": split["num_rows"], "statistics": stats,
                         "partial": False})  # fmt: skip


def _license(repo) -> str:
    license_ = repo.card_data.get("license") if isinstance(repo.card_data, dict) else None
    return license_ if isinstance(license_, str) else ""


@_get_only
def croissant(request: HttpRequest) -> JsonResponse:
    """The dataset in Croissant JSON-LD (schema.org + MLCommons), as the Hub's viewer gives it;
    the same privacy as every route: a dataset the caller cannot see is a missing one."""
    repo = _dataset(request)
    conversion = selectors.conversion_done(repo)
    page = f"{base_url(request)}/datasets/{repo.repo_id}"
    document = croissant_of(
        dataset=repo.repo_id, url=page, tree_url=f"{page}/tree/refs%2Fconvert%2Fparquet",
        license_=_license(repo), splits=conversion.splits, features=conversion.features,
    )  # fmt: skip
    return JsonResponse(document, content_type="application/ld+json")
