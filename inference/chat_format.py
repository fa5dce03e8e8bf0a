"""OpenAI's chat and completions API, as far as the hub speaks it: requests checked into the
payload a worker runs, answers and stream chunks built from what the worker sends, errors as
OpenAI's error object. Pure Python: web processes never import torch.

The shapes are those `openai` and `huggingface_hub.InferenceClient.chat_completion` parse.
A request field the hub cannot honour (tools, `n` > 1, log probabilities, penalties...) is
a 400 naming it, rather than an answer that silently ignored it.
"""

import json
import re
import time
import uuid
from typing import Any

from inference.errors import InvalidInputs
from registry.errors import HubError

CHAT, COMPLETION = "chat", "completion"
# The most stop sequences one request may give, as OpenAI allows.
MAX_STOP = 4
ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
# Fields that change what a model answers and that this hub does not implement, with the
# values that mean "not used" (accepted, as are null, false, 0 and empty lists or objects).
_UNSUPPORTED = {
    "n": (1,),
    "best_of": (1,),
    "tools": (),
    "tool_choice": ("none", "auto"),
    "functions": (),
    "function_call": ("none", "auto"),
    "response_format": ({"type": "text"},),
    "logprobs": (),
    "top_logprobs": (),
    "logit_bias": (),
    "frequency_penalty": (),
    "presence_penalty": (),
    "echo": (),
    "suffix": ("",),
}
# OpenAI's `type` per status, and its `code` for the errors its clients look for.
_TYPES = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}
_CODES = {
    "RepoNotFound": "model_not_found",
    "ContextLengthExceeded": "context_length_exceeded",
    "InvalidCredentials": "invalid_api_key",
}


def openai_error(exc: HubError) -> HubError:
    """`exc` answering OpenAI's error object, {"error": {"message", "type", "param", "code"}}
    (the hub's status and X-Error-Code headers stay)."""
    kind = _TYPES.get(exc.status) or (
        "server_error" if exc.status >= 500 else "invalid_request_error"
    )
    code = _CODES.get(exc.code) or re.sub(r"(?<!^)(?=[A-Z])", "_", exc.code).lower()
    param = getattr(exc, "param", None)
    exc.body = {"error": {"message": exc.message, "type": kind, "param": param, "code": code}}
    return exc


def stream_error(exc: HubError) -> dict:
    """An error after a stream began, as a `data:` event: OpenAI's object, plus the
    `error_type` huggingface_hub reads from text-generation servers."""
    return {**openai_error(exc).body, "error_type": "generation"}


# -- requests ---------------------------------------------------------------------------------


def body_parse(data: bytes) -> dict:
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInputs(
            "We could not parse the JSON body of your request: it is not valid JSON"
        ) from None
    if not isinstance(body, dict):
        raise InvalidInputs("The request body must be a JSON object")
    return body


def request_parse(kind: str, body: dict, *, max_new_tokens: int) -> dict:
    """The worker's payload for a chat (`messages`) or completion (`prompt`) request, and the
    model's id: {"model", "kind", "messages" | "prompt", "max_tokens", "temperature",
    "top_p", "stop", "seed", "stream", "include_usage"}."""
    for name, unused in _UNSUPPORTED.items():
        value = body.get(name)
        if value not in (None, False, 0, [], {}, *unused):
            raise InvalidInputs(f"`{name}` is not supported by this hub", param=name)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidInputs("`model` is required: the model's id, `namespace/name`", param="model")
    payload = {"model": model, "kind": kind, **_sampling(body, max_new_tokens), **_stream(body)}
    if kind == CHAT:
        payload["messages"] = _messages(body.get("messages"))
    else:
        payload["prompt"] = _prompt(body.get("prompt"))
        # OpenAI's completions default to 16 new tokens; chat, to as many as fit.
        payload["max_tokens"] = payload["max_tokens"] or 16
    return payload


def _messages(value: Any) -> list[dict]:
    if not isinstance(value, list) or not value:
        raise InvalidInputs("`messages` must be a non-empty list of messages", param="messages")
    messages = []
    for number, message in enumerate(value):
        where = f"messages[{number}]"
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise InvalidInputs(
                f"`{where}` must be an object with a `role` among {', '.join(sorted(ROLES))}",
                param=where,
            )
        messages.append({"role": message["role"], "content": _content(message, where)})
    return messages


def _content(message: dict, where: str) -> str:
    """The message's text: a string, or the text parts of a list (the only parts a text
    model reads)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if content is None and message["role"] == "assistant":
        return ""
    if isinstance(content, list):
        texts = [part.get("text") for part in content if isinstance(part, dict)]
        kinds = {part.get("type") for part in content if isinstance(part, dict)}
        if (
            len(texts) == len(content)
            and kinds == {"text"}
            and all(isinstance(text, str) for text in texts)
        ):
            return "\n".join(texts)
    raise InvalidInputs(
        f"`{where}.content` must be text, or a list of text parts: "
        "this hub's chat models read text only",
        param=f"{where}.content",
    )


def _prompt(value: Any) -> str:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str):
        raise InvalidInputs("`prompt` must be a string (one prompt per request)", param="prompt")
    return value


def _sampling(body: dict, max_new_tokens: int) -> dict:
    limit = body.get("max_completion_tokens")
    limit = body.get("max_tokens") if limit is None else limit
    if limit is not None and (not _integer(limit) or not 1 <= limit <= max_new_tokens):
        raise InvalidInputs(f"`max_tokens` must be an integer from 1 to {max_new_tokens} on "
                            "this hub (HUB_INFERENCE_MAX_NEW_TOKENS)",
                            param="max_tokens")  # fmt: skip
    temperature, top_p, seed = body.get("temperature"), body.get("top_p"), body.get("seed")
    if temperature is not None and not (_number(temperature) and 0 <= temperature <= 2):
        raise InvalidInputs("`temperature` must be a number from 0 to 2", param="temperature")
    if top_p is not None and not (_number(top_p) and 0 < top_p <= 1):
        raise InvalidInputs("`top_p` must be a number above 0, at most 1", param="top_p")
    if seed is not None and not _integer(seed):
        raise InvalidInputs("`seed` must be an integer", param="seed")
    return {"max_tokens": limit, "temperature": temperature, "top_p": top_p,
            "stop": _stop(body.get("stop")), "seed": seed}  # fmt: skip


def _stop(value: Any) -> list[str]:
    stops = [value] if isinstance(value, str) else value
    if stops is None:
        return []
    if (
        not isinstance(stops, list)
        or len(stops) > MAX_STOP
        or not all(isinstance(stop, str) and stop for stop in stops)
    ):
        raise InvalidInputs(f"`stop` must be a string or a list of up to {MAX_STOP} non-empty "
                            "strings", param="stop")  # fmt: skip
    return stops


def _stream(body: dict) -> dict:
    stream, options = body.get("stream", False), body.get("stream_options") or {}
    if not isinstance(stream, bool):
        raise InvalidInputs("`stream` must be true or false", param="stream")
    if not isinstance(options, dict):
        raise InvalidInputs("`stream_options` must be an object", param="stream_options")
    return {"stream": stream, "include_usage": options.get("include_usage") is True}


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# -- answers ----------------------------------------------------------------------------------


class Answer:
    """The frame every answer and chunk of one request shares: id, time, model, commit."""

    def __init__(self, kind: str, model: str, sha: str):
        self.kind, self.model = kind, model
        prefix = "chatcmpl" if kind == CHAT else "cmpl"
        self.id = f"{prefix}-{uuid.uuid4().hex}"
        self.created = int(time.time())
        # Which weights answered: the model's commit, as a fingerprint of the backend.
        self.fingerprint = f"minihub-{sha[:12]}"
        self.sent = 0  # characters of text streamed so far

    def unsent(self, at: int, text: str) -> str:
        """What of `text`, which starts `at` characters into the answer, is new to the client:
        a batch answered again after its worker died starts its text over."""
        new = text[max(0, self.sent - at) :]
        self.sent = max(self.sent, at + len(text))
        return new

    def _frame(self, suffix: str = "") -> dict:
        kind = ("chat.completion" if self.kind == CHAT else "text_completion") + suffix
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model,
                "system_fingerprint": self.fingerprint}  # fmt: skip

    def complete(self, output: dict) -> dict:
        """The whole answer from the worker's output {"text", "finish_reason", "usage"}."""
        return {**self._frame(), "choices": [self._choice(output["text"], output["finish_reason"],
                                                          whole=True)],
                "usage": output["usage"]}  # fmt: skip

    def chunk(self, text: str | None, finish_reason: str | None = None, *,
              first: bool = False) -> dict:  # fmt: skip
        """One stream chunk: text as it was generated, then the finish reason alone."""
        choice = self._choice(text, finish_reason, whole=False, first=first)
        return {**self._frame(".chunk" if self.kind == CHAT else ""), "choices": [choice]}

    def usage_chunk(self, usage: dict) -> dict:
        """The last chunk when `stream_options.include_usage`: no choices, the counts."""
        return {**self._frame(".chunk" if self.kind == CHAT else ""), "choices": [],
                "usage": usage}  # fmt: skip

    def _choice(self, text: str | None, finish_reason: str | None, *, whole: bool,
                first: bool = False) -> dict:  # fmt: skip
        choice: dict = {"index": 0}
        if self.kind == COMPLETION:
            choice["text"] = text or ""
        elif whole:
            choice["message"] = {"role": "assistant", "content": text}
        else:
            choice["delta"] = (
                {"role": "assistant", "content": text or ""}
                if first
                else ({"content": text} if text else {})
            )
        return {**choice, "logprobs": None, "finish_reason": finish_reason}


def models_list(rows: list[tuple[str, int]]) -> dict:
    """GET /v1/models: the models as (id, creation time)."""
    return {"object": "list", "data": [model_object(repo_id, created) for repo_id, created in rows]}


def model_object(repo_id: str, created: int) -> dict:
    return {"id": repo_id, "object": "model", "created": created,
            "owned_by": repo_id.split("/", 1)[0]}  # fmt: skip
