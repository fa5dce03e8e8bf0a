"""/docs: the project's guides (docs/*.md) rendered, and the API reference from OpenAPI."""

import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from registry import errors
from registry.cards import render_markdown
from registry.request import base_url
from registry.web.openapi import openapi_document

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# The address the guides' examples are written with; each page shows the hub's own instead,
# so a reader can paste an example as it stands.
_EXAMPLE_ADDRESS = re.compile(r"https?://(?:127\.0\.0\.1|hub\.example):8000")
# The order guides appear in; any other docs/*.md follows alphabetically.
_ORDER = ["clients", "web", "operations", "architecture"]


def _docs_dir() -> Path:
    return Path(settings.BASE_DIR) / "docs"


def _title(path: Path) -> str:
    for line in path.read_text().splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem.replace("-", " ").title()


def _guides() -> list[tuple[str, str]]:
    paths = sorted(
        _docs_dir().glob("*.md"),
        key=lambda p: (
            p.stem not in _ORDER,
            _ORDER.index(p.stem) if p.stem in _ORDER else 0,
            p.stem,
        ),
    )
    return [(p.stem, _title(p)) for p in paths if _SLUG_RE.match(p.stem)]


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "docs/index.html", {"guides": _guides()})


def page(request: HttpRequest, slug: str) -> HttpResponse:
    path = _docs_dir() / f"{slug}.md"
    if not _SLUG_RE.match(slug) or not path.is_file():
        raise errors.NotFound(f"No guide called '{slug}'")
    text = path.read_text().replace("](./", "](").replace(".md)", ")")
    address = base_url(request)
    text = _EXAMPLE_ADDRESS.sub(lambda _: address, text)
    context = {
        "guides": _guides(),
        "slug": slug,
        "title": _title(path),
        "html": render_markdown(text),
    }
    return render(request, "docs/page.html", context)


@cache
def _document() -> dict:
    return openapi_document()


def openapi_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_document())


def api_reference(request: HttpRequest) -> HttpResponse:
    groups: dict[str, list] = {}
    for path, operations in _document()["paths"].items():
        for method, operation in operations.items():
            groups.setdefault(operation["tags"][0], []).append((method.upper(), path, operation))
    context = {"guides": _guides(), "slug": "api", "groups": sorted(groups.items())}
    return render(request, "docs/api.html", context)
