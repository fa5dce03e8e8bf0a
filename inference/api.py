"""The Inference API in the Hub's classic shape, and the widget as a page of its own."""

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from inference.errors import InputTooLarge, InvalidInputs
from inference.services import inference_run
from registry.permissions import Action, require
from registry.request import actor, caller_rate_limited, read_token_allowed
from registry.selectors import repo_get_visible

_BODY_KEYS = {"inputs", "parameters", "options"}


@require_POST  # outermost: the API reference reads the view's methods from it
@read_token_allowed
@caller_rate_limited("HUB_INFERENCE_RATE_LIMIT_PER_MINUTE")
def model_inference(request: HttpRequest, namespace: str, name: str, rev: str | None = None,
                    task: str | None = None) -> JsonResponse:  # fmt: skip
    """POST /models/{ns}/{name}[/revision/{rev}|/pipeline/{task}] {"inputs", "parameters"}."""
    repo = repo_get_visible(user=request.user, repo_type="model", namespace=namespace, name=name)
    # The worker reads the model's files for this caller: a gated model's, only if granted.
    require(actor(request), Action.DOWNLOAD, repo=repo)
    body = _body(request)
    options = body.get("options") if isinstance(body.get("options"), dict) else {}
    wait = options.get("wait_for_model") is True or (
        request.headers.get("X-Wait-For-Model", "").lower() == "true"
    )
    revision = rev or request.GET.get("revision") or body.get("revision") or "main"
    output = inference_run(
        repo=repo, revision=revision, task_name=task, inputs=body.get("inputs"),
        parameters=_parameters(body), wait_for_model=wait,
    )  # fmt: skip
    return JsonResponse(output, safe=False)


def _body(request: HttpRequest) -> dict:
    """The JSON body, or {"inputs": bytes} for a raw body (an image, as the client sends it)."""
    limit = settings.HUB_INFERENCE_MAX_INPUT_BYTES
    data = request.read(limit + 1)
    if len(data) > limit:
        raise InputTooLarge(f"Inference inputs are limited to {limit} bytes on this hub")
    if "json" not in request.content_type and not data.lstrip().startswith(b"{"):
        return {"inputs": data}
    try:
        body = json.loads(data or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise InvalidInputs("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidInputs('The request body must be a JSON object: {"inputs": ...}')
    return body


def _parameters(body: dict) -> dict:
    """`parameters`, plus any other top-level key: feature-extraction sends them at the root."""
    parameters = body.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise InvalidInputs("`parameters` must be a JSON object")
    extra = {k: v for k, v in body.items() if k not in _BODY_KEYS and k != "revision"}
    return {**extra, **parameters}


@caller_rate_limited("HUB_INFERENCE_RATE_LIMIT_PER_MINUTE")
@require_GET
def widget_page(request: HttpRequest, namespace: str, name: str) -> HttpResponse:
    """The model's widget alone on a page, e.g. to embed or to try a model quickly."""
    repo = repo_get_visible(user=request.user, repo_type="model", namespace=namespace, name=name)
    response = render(request, "inference/widget_page.html", {"repo": repo})
    response["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'"
    )
    return response
