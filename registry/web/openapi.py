"""The OpenAPI document of the hub's HTTP API, generated from the URL patterns and the views.

Paths come from the root URLconf (pages excluded), methods from the view classes' handlers or
the `require_http_methods` list of function views, and descriptions from the docstrings.
"""

import inspect
import re

from django.urls import URLPattern, URLResolver, get_resolver

_HANDLERS = ("get", "post", "put", "patch", "delete")
_NAMED_RE = re.compile(r"\(\?P<(\w+)>")
_ROUTE_RE = re.compile(r"(?<!\?P)<(?:\w+:)?(\w+)>")
_PARAMETERS = {
    "prefix": "`datasets` or `spaces`; models have no prefix segment",
    "repo_type": "`models`, `datasets` or `spaces`",
    "rev": "a branch, tag or commit; quote slashes (`refs%2Fpr%2F1`)",
    "rest": "`{revision}/{path in the repo}`",
}
_ERRORS = (
    'An error: JSON `{"error": ...}` with `X-Error-Code` and `X-Error-Message` headers. '
    "Private and missing repositories are 401 for anonymous callers and 404 otherwise."
)


def openapi_document() -> dict:
    paths: dict[str, dict] = {}
    for template, callback in _walk(get_resolver().url_patterns, ""):
        operations = paths.setdefault(template, {})
        for method in _methods(callback):
            operations[method] = _operation(template, callback, method)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Minihub API",
            "version": "1",
            "description": "The Hugging Face Hub API as Minihub serves it.",
        },
        "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
        "security": [{}, {"token": []}],
        "paths": dict(sorted(paths.items())),
    }


def _walk(patterns, prefix: str):
    for pattern in patterns:
        text = prefix + _template(str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            if getattr(pattern, "app_name", None) != "web":
                yield from _walk(pattern.url_patterns, text)
        elif isinstance(pattern, URLPattern):
            yield "/" + text, pattern.callback


def _template(regex: str) -> str:
    """`^(?P<ns>[^/]+)/x(?:\\.git)?$` -> `{ns}/x`: parameters named, optional literals dropped."""
    text = _ROUTE_RE.sub(r"{\1}", regex).strip("^$")
    out, index = [], 0
    while index < len(text):
        named = _NAMED_RE.match(text, index)
        if named:
            out.append("{" + named.group(1) + "}")
            index = _close(text, named.end())
        elif text.startswith("(?:", index):
            end = _close(text, index + 3)
            inner = text[index + 3 : end - 1]
            optional = text[end : end + 1] == "?"
            if not optional or _NAMED_RE.search(inner):
                out.append(_template(inner))
            index = end + (1 if optional else 0)
        else:
            out.append(text[index + 1] if text[index] == "\\" else text[index])
            index += 2 if text[index] == "\\" else 1
    return "".join(out)


def _close(text: str, index: int) -> int:
    """The index just past the parenthesis closing the group that starts before `index`."""
    depth = 1
    while depth and index < len(text):
        if text[index] == "\\":
            index += 1
        elif text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
        index += 1
    return index


def _methods(callback) -> list[str]:
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return [m for m in _HANDLERS if hasattr(view_class, m)]
    allowed = inspect.getclosurevars(callback).nonlocals.get("request_method_list")
    if allowed:
        return [m.lower() for m in allowed if m.lower() in _HANDLERS]
    return ["get"]


def _doc(callback, method: str) -> str:
    """The handler's own docstring, else its class's (not one inherited from DRF)."""
    view_class = getattr(callback, "view_class", None)
    if view_class is None:
        return inspect.cleandoc(inspect.unwrap(callback).__doc__ or "")
    return inspect.cleandoc(getattr(view_class, method).__doc__ or view_class.__doc__ or "")


def _operation(template: str, callback, method: str) -> dict:
    doc = _doc(callback, method)
    summary = doc.split("\n\n")[0].replace("\n", " ") if doc else _default_summary(callback)
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
            "description": _PARAMETERS.get(name, ""),
        }
        for name in re.findall(r"{(\w+)}", template)
    ]
    return {
        "summary": summary,
        "description": doc,
        "tags": [_tag(template)],
        "parameters": parameters,
        "responses": {"200": {"description": "Success"}, "default": {"description": _ERRORS}},
    }


def _default_summary(callback) -> str:
    name = getattr(callback, "view_class", callback).__name__
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name.removesuffix("View")).replace("_", " ").lower()


def _tag(template: str) -> str:
    literals = [p for p in template.split("/") if p and "{" not in p]
    if "lfs" in literals:
        return "Git LFS"
    if literals and literals[0] in ("models", "v1"):
        return "inference"  # the Inference API, and OpenAI's chat and completions
    if not template.startswith("/api/"):
        return "files" if "resolve" in literals else "git"
    if "{name}" in template:
        return "repository " + (literals[1] if len(literals) > 1 else "info")
    return literals[1] if len(literals) > 1 else "repositories"
