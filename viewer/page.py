"""What the dataset page's viewer shows (viewer/templatetags/viewer.py renders it): the
conversion's state, the chosen split's page of rows (searched, filtered, ordered), cells
made readable (class names, long text cut with the rest behind a <details>), statistics,
and a summary of the dataset's splits and features. Everything comes from the query string,
so every state is a link and the page works without JavaScript."""

import base64
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import HttpRequest

from registry import errors
from registry.request import caller
from viewer import query, selectors
from viewer.filters import orderby_parse, where_parse
from viewer.models import DatasetConversion

PAGE_ROWS = 20
CELL_CHARS = 200


@dataclass
class ViewerPage:
    conversion: DatasetConversion | None
    config: str = ""
    split: str = ""
    columns: list[dict] = field(default_factory=list)
    rows: list[list[dict]] = field(default_factory=list)
    total: int = 0
    offset: int = 0
    problem: str = ""
    statistics: list[dict] | None = None
    links: dict = field(default_factory=dict)

    @property
    def last(self) -> int:
        return self.offset + len(self.rows)


def _cell(value: object, feature: dict) -> dict:
    """One table cell: its text (a class's name with its number), cut past CELL_CHARS."""
    if feature.get("_type") == "ClassLabel" and isinstance(value, int):
        names = feature.get("names", [])
        text = f"{names[value]} ({value})" if 0 <= value < len(names) else str(value)
    elif feature.get("_type") == "Image" and isinstance(value, dict):
        return {"image": _image_src(value.get("bytes")), "text": value.get("path") or "image",
                "full": "", "null": False}  # fmt: skip
    elif feature.get("_type") == "Audio" and isinstance(value, dict):
        return {"audio": _audio_src(value.get("bytes")), "text": value.get("path") or "audio",
                "full": "", "null": False}  # fmt: skip
    elif feature.get("_type") in ("Image", "Audio"):
        text = f"[{feature['_type'].lower()}]"
    else:
        text = "" if value is None else str(value)
    return {"text": text[:CELL_CHARS], "full": text if len(text) > CELL_CHARS else "",
            "null": value is None}  # fmt: skip


# Image types a browser shows, by their first bytes.
_IMAGE_MAGIC = {b"\x89PNG": "image/png", b"\xff\xd8": "image/jpeg", b"GIF8": "image/gif",
                b"BM": "image/bmp"}  # fmt: skip
THUMBNAIL_MAX_BYTES = 256 * 1024


def _image_src(encoded: str | None) -> str:
    """A data: URL of the image for its thumbnail (the page's CSP allows data: images),
    or "" for bytes too large to inline or of a type a browser would not show."""
    if not encoded or len(encoded) > THUMBNAIL_MAX_BYTES * 4 // 3:
        return ""
    head = base64.b64decode(encoded[:24])
    mime = next((m for magic, m in _IMAGE_MAGIC.items() if head.startswith(magic)), None)
    if mime is None and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        mime = "image/webp"
    return f"data:{mime};base64,{encoded}" if mime else ""


# Sound types a browser plays, by their first bytes (a WAV is RIFF....WAVE).
_AUDIO_MAGIC = {b"fLaC": "audio/flac", b"OggS": "audio/ogg", b"ID3": "audio/mpeg",
                b"\xff\xfb": "audio/mpeg"}  # fmt: skip


def _audio_src(encoded: str | None) -> str:
    """A data: URL of the sound for its player (the page's CSP allows data: media), or ""
    past THUMBNAIL_MAX_BYTES or for a type a browser would not play."""
    if not encoded or len(encoded) > THUMBNAIL_MAX_BYTES * 4 // 3:
        return ""
    head = base64.b64decode(encoded[:24])
    mime = next((m for magic, m in _AUDIO_MAGIC.items() if head.startswith(magic)), None)
    if mime is None and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        mime = "audio/wav"
    return f"data:{mime};base64,{encoded}" if mime else ""


def _offset(request: HttpRequest) -> int:
    try:
        return max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        return 0


def _link(base: dict, **changes) -> str:
    merged = {k: v for k, v in {**base, **changes}.items() if v not in ("", None, 0)}
    return "?" + urlencode(merged) if merged else "?"


def viewer_page(request: HttpRequest, conversion: DatasetConversion | None) -> ViewerPage:
    page = ViewerPage(conversion)
    if conversion is None or conversion.status != DatasetConversion.Status.DONE:
        return page
    first = conversion.splits[0]
    page.config = request.GET.get("config", first["config"])
    page.split = request.GET.get("split", "")
    if "/" in request.GET.get("split_choice", ""):
        # The form's one select names both ("config/split"); links name them apart.
        page.config, _, page.split = request.GET["split_choice"].partition("/")
    try:
        split = _chosen_split(conversion, page.config, page.split)
        page.split = split["split"]
        _fill_rows(request, page, split)
    except errors.HubError as exc:
        page.problem = exc.message
    return page


def _chosen_split(conversion: DatasetConversion, config: str, split: str) -> dict:
    if not split:
        split = next((s["split"] for s in conversion.splits if s["config"] == config), "")
    return selectors.split_of(conversion, config, split)


def _fill_rows(request: HttpRequest, page: ViewerPage, split: dict) -> None:
    features = page.conversion.features.get(page.config, {})
    page.columns = [{"name": n, "type": _feature_text(f)} for n, f in features.items()]
    params = {k: request.GET.get(k, "") for k in ("q", "where", "orderby")}
    state = {"config": page.config, "split": page.split, **params}
    user, token = caller(request)
    shards = selectors.split_shards(user=user, token=token, conversion=page.conversion,
                                    split=split).paths  # fmt: skip
    where, bound, order = _conditions(params, list(features), features)
    page.offset = _offset(request)
    result = query.rows_page(shards=shards, offset=page.offset, length=PAGE_ROWS, where=where,
                             params=bound, orderby=order)  # fmt: skip
    page.total = result.total
    page.rows = [[_cell(row.get(n), f if isinstance(f, dict) else {})
                  for n, f in features.items()] for row in result.rows]  # fmt: skip
    page.links = {
        "prev": _link(state, offset=max(0, page.offset - PAGE_ROWS)) if page.offset else "",
        "next": _link(state, offset=page.offset + PAGE_ROWS)
        if page.offset + PAGE_ROWS < page.total else "",
        "stats": _link(state, stats=1),
    }  # fmt: skip
    if request.GET.get("stats"):
        page.statistics = [
            _with_bars(s) for s in query.column_statistics(shards=shards, features=features)
        ]


def _with_bars(stat: dict) -> dict:
    """A histogram as bars (count, tallest count, lower edge): <progress> draws them."""
    histogram = stat["column_statistics"].get("histogram") or {"hist": []}
    tallest = max(histogram["hist"], default=0) or 1
    bars = [
        {"count": n, "max": tallest, "low": low}
        for n, low in zip(histogram["hist"], histogram.get("bin_edges", []), strict=False)
    ]
    return {**stat, "bars": bars}


def _conditions(params: dict, columns: list[str], features: dict) -> tuple[str, list, str]:
    clauses, bound = [], []
    if params["q"].strip():
        strings = [
            n
            for n, f in features.items()
            if isinstance(f, dict) and f.get("dtype") in ("string", "large_string")
        ]
        where, bound = query.search_where(strings, params["q"])
        clauses.append(f"({where})")
    if params["where"].strip():
        # The search's placeholders come first; the filter's are numbered after them.
        where, more = where_parse(params["where"], columns, start=len(bound))
        bound += more
        clauses.append(f"({where})")
    order = orderby_parse(params["orderby"], columns) if params["orderby"].strip() else ""
    return " AND ".join(clauses), bound, order


def dataset_summary(conversion: DatasetConversion | None) -> dict:
    """The card's dataset_info, as the conversion measured it: splits, rows, sizes, features."""
    if conversion is None or conversion.status != DatasetConversion.Status.DONE:
        return {}
    return {
        "splits": conversion.splits,
        "rows": sum(s["num_rows"] for s in conversion.splits),
        "parquet_bytes": sum(s["num_bytes_parquet_files"] for s in conversion.splits),
        "features": {config: [{"name": n, "type": _feature_text(f)} for n, f in fs.items()]
                     for config, fs in conversion.features.items()},
    }  # fmt: skip


def _feature_text(feature: object) -> str:
    if not isinstance(feature, dict):
        return "list"
    if feature.get("_type") == "ClassLabel":
        return f"class label ({', '.join(feature.get('names', [])[:10])})"
    return feature.get("dtype") or feature.get("_type", "")
