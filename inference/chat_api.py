"""OpenAI's API on the hub's models: POST /v1/chat/completions, POST /v1/completions (as
JSON, or streamed as server-sent events), GET /v1/models and /v1/models/{namespace}/{name}.

`model` is a repo id; the caller's token (or session) decides, as everywhere, which models
it may use. Errors are OpenAI's error object, with the hub's X-Error-Code as well.
"""

import functools
import json
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from itertools import chain

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET, require_POST

from inference.chat_format import (
    CHAT,
    COMPLETION,
    Answer,
    body_parse,
    model_object,
    models_list,
    openai_error,
    request_parse,
    stream_error,
)
from inference.errors import InputTooLarge
from inference.selectors import text_generation_models
from inference.services import chat_run
from registry.errors import HubError, RepoNotFound
from registry.models import Repo
from registry.permissions import Action, require
from registry.request import actor, caller_rate_limited, json_text_check, read_token_allowed
from registry.selectors import repo_get_visible


def openai_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view's HubErrors answer OpenAI's error object (the one translator writes it).

    `require_POST`/`require_GET` go outside it, outermost: the API reference reads a view's
    methods from them."""

    @functools.wraps(view)
    def answering(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except HubError as exc:
            raise openai_error(exc) from None

    return answering


@require_POST
@read_token_allowed
@openai_errors
@caller_rate_limited("HUB_INFERENCE_RATE_LIMIT_PER_MINUTE")
def chat_completions(request: HttpRequest) -> HttpResponse:
    """POST /v1/chat/completions {"model", "messages", ...}."""
    return _generate(request, CHAT)


@require_POST
@read_token_allowed
@openai_errors
@caller_rate_limited("HUB_INFERENCE_RATE_LIMIT_PER_MINUTE")
def completions(request: HttpRequest) -> HttpResponse:
    """POST /v1/completions {"model", "prompt", ...}."""
    return _generate(request, COMPLETION)


@require_GET
@openai_errors
def models(request: HttpRequest) -> JsonResponse:
    """GET /v1/models: the text-generation models the caller sees."""
    rows = text_generation_models(user=request.user)
    return JsonResponse(models_list([(repo.repo_id, _created(repo)) for repo in rows]))


@require_GET
@openai_errors
def model(request: HttpRequest, namespace: str, name: str) -> JsonResponse:
    """GET /v1/models/{namespace}/{name}: one of them."""
    repo = _model_repo(request, f"{namespace}/{name}")
    if repo.pipeline_tag != "text-generation":
        raise _not_found(request, repo.repo_id)
    return JsonResponse(model_object(repo.repo_id, _created(repo)))


def _generate(request: HttpRequest, kind: str) -> HttpResponse:
    limit = settings.HUB_INFERENCE_MAX_INPUT_BYTES
    data = request.read(limit + 1)
    if len(data) > limit:
        raise InputTooLarge(f"Requests are limited to {limit} bytes on this hub")
    payload = request_parse(kind, json_text_check(body_parse(data)),
                            max_new_tokens=settings.HUB_INFERENCE_MAX_NEW_TOKENS)  # fmt: skip
    repo = _model_repo(request, payload.pop("model"))
    # The worker reads the model's files for this caller: a gated model's, only if granted.
    require(actor(request), Action.DOWNLOAD, repo=repo)
    answer = Answer(kind, repo.repo_id, repo.head_sha)
    messages = chat_run(repo=repo, payload=payload)
    # The first message comes before any byte of the answer: a request that cannot run
    # (no chat template, too long...) answers its error with its status, even when streamed.
    first = next(messages)
    if not payload["stream"]:
        with closing(messages):
            output = next(m["output"] for m in chain([first], messages) if "output" in m)
        return JsonResponse(answer.complete(output))
    events = _events(answer, first, messages, include_usage=payload["include_usage"])
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # a proxy in front must pass each event on at once
    return response


def _events(answer: Answer, first: dict, messages: Generator[dict], *,
            include_usage: bool) -> Iterator[bytes]:  # fmt: skip
    """The answer as server-sent events: chunks of text as the worker sends them, the
    finish reason, the usage if asked, then `[DONE]`; an error midway ends the stream."""
    if answer.kind == CHAT:
        yield _event(answer.chunk(None, first=True))
    try:
        for message in chain([first], messages):
            if "delta" in message:
                if new := answer.unsent(message["delta"]["at"], message["delta"]["text"]):
                    yield _event(answer.chunk(new))
                continue
            output = message["output"]
            if rest := answer.unsent(0, output["text"]):
                yield _event(answer.chunk(rest))
            yield _event(answer.chunk(None, output["finish_reason"]))
            if include_usage:
                yield _event(answer.usage_chunk(output["usage"]))
    except HubError as exc:
        yield _event(stream_error(exc))
        return
    finally:
        messages.close()
    yield b"data: [DONE]\n\n"


def _event(data: dict) -> bytes:
    return f"data: {json.dumps(data)}\n\n".encode()


def _model_repo(request: HttpRequest, model_id: str) -> Repo:
    """The model `model_id` names, if the caller sees it; OpenAI's `model_not_found` else."""
    namespace, _, name = model_id.partition("/")
    if not namespace or not name or "/" in name:
        raise _not_found(request, model_id)
    try:
        return repo_get_visible(user=request.user, repo_type="model", namespace=namespace,
                                name=name, follow_moves=False)  # fmt: skip
    except RepoNotFound:
        raise _not_found(request, model_id) from None


def _not_found(request: HttpRequest, model_id: str) -> RepoNotFound:
    # The Hub's rule for repos one may not see: 401 when anonymous, 404 when signed in.
    return RepoNotFound(
        f"The model `{model_id}` does not exist or you do not have access to it.",
        anonymous=not request.user.is_authenticated,
    )


def _created(repo: Repo) -> int:
    return int(repo.created_at.timestamp())
