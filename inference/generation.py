"""Worker side of chat and completions: the prompt, generation token by token with the text
handed on as it grows, stop sequences, the finish reason and the token counts.

It runs the model and tokenizer of the model's text-generation pipeline (one load serves
the Inference API and chat alike). The prompt is what `apply_chat_template(messages,
add_generation_prompt=True)` gives, so an answer at temperature 0 is exactly
`model.generate(**prompt, do_sample=False)` decoded without special tokens.
"""

from collections.abc import Callable
from typing import Any

import torch
from django.conf import settings
from jinja2.exceptions import TemplateError
from transformers import Pipeline, StoppingCriteria, StoppingCriteriaList

from inference.errors import ChatTemplateMissing, ContextLengthExceeded, InvalidInputs

# Context lengths above this are a tokenizer's "no limit" (1e30), not a model's.
_NO_LIMIT = 10**8


def generate(pipe: Pipeline, payload: dict, send: Callable[[int, str], bool]) -> dict:
    """{"text", "finish_reason", "usage"} for one request; `send(at, text)` hears the text
    as it is generated (`at`: how many characters came before), and stops generation by
    returning False."""
    model, tokenizer = pipe.model, pipe.tokenizer
    inputs = _prompt(tokenizer, payload)
    prompt_tokens = int(inputs["input_ids"].shape[1])
    limit = _new_tokens(model, tokenizer, payload, prompt_tokens)
    text = _Text(tokenizer, prompt_tokens, payload["stop"], send)
    if payload["seed"] is not None:
        torch.manual_seed(payload["seed"])
    config = model.generation_config
    pad = config.pad_token_id if config.pad_token_id is not None else tokenizer.eos_token_id
    with torch.inference_mode():
        model.generate(**inputs, **_sampling(payload), max_new_tokens=limit,
                       max_time=float(settings.HUB_INFERENCE_TIMEOUT), pad_token_id=pad,
                       stopping_criteria=StoppingCriteriaList([text]))  # fmt: skip
    eos = config.eos_token_id if isinstance(config.eos_token_id, list) else [config.eos_token_id]
    finished = text.stopped or (text.tokens and text.tokens[-1] in eos)
    return {
        "text": text.text,
        "finish_reason": "stop" if finished else "length",
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(text.tokens),
                  "total_tokens": prompt_tokens + len(text.tokens)},
    }  # fmt: skip


def _prompt(tokenizer: Any, payload: dict) -> dict:
    if payload["kind"] == "completion":
        inputs = tokenizer(payload["prompt"], return_tensors="pt")
        if inputs["input_ids"].shape[1] == 0:
            raise InvalidInputs("`prompt` is empty", param="prompt")
        return {"input_ids": inputs["input_ids"], "attention_mask": inputs["attention_mask"]}
    if not tokenizer.chat_template:
        raise ChatTemplateMissing(
            "This model's tokenizer has no chat template: use /v1/completions"
        )
    try:
        inputs = tokenizer.apply_chat_template(
            payload["messages"], add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
    except TemplateError as exc:
        raise InvalidInputs(f"The model's chat template refused these messages: {exc}",
                            param="messages") from None  # fmt: skip
    return {"input_ids": inputs["input_ids"], "attention_mask": inputs["attention_mask"]}


def _new_tokens(model: Any, tokenizer: Any, payload: dict, prompt_tokens: int) -> int:
    """The tokens to generate at most: as asked, else as many as fit (up to the hub's
    limit); a prompt that leaves no room for them is the OpenAI error a client expects."""
    context = getattr(model.config, "max_position_embeddings", None) or tokenizer.model_max_length
    context = context if context and context < _NO_LIMIT else None
    wanted = payload["max_tokens"]
    if context is None:
        return wanted or settings.HUB_INFERENCE_MAX_NEW_TOKENS
    where = "messages" if payload["kind"] == "chat" else "prompt"
    if wanted is None:
        if prompt_tokens < context:
            return min(settings.HUB_INFERENCE_MAX_NEW_TOKENS, context - prompt_tokens)
        asked = f"{prompt_tokens} tokens in the {where}. Please reduce the length of the {where}."
    elif prompt_tokens + wanted <= context:
        return wanted
    else:
        asked = (
            f"{prompt_tokens + wanted} tokens ({prompt_tokens} in the {where}, {wanted} in the "
            f"completion). Please reduce the length of the {where} or completion."
        )
    raise ContextLengthExceeded(
        f"This model's maximum context length is {context} tokens. However, you requested {asked}",
        param=where,
    )


def _sampling(payload: dict) -> dict:
    """Temperature 0 is greedy; what the caller leaves out, the model's generation config
    decides (as transformers' `generate` does)."""
    temperature, top_p = payload["temperature"], payload["top_p"]
    if temperature == 0:
        return {"do_sample": False}
    options = {"temperature": temperature, "top_p": top_p}
    options = {key: value for key, value in options.items() if value is not None}
    return {"do_sample": True, **options} if options else {}


class _Text(StoppingCriteria):
    """Called after every generated token: decodes the new tokens, ends the text at the
    first stop sequence (and generation with it), and sends what may be shown so far.

    Text that could be the start of a stop sequence, or an unfinished multi-byte character,
    is held back until the next tokens settle it.
    """

    def __init__(self, tokenizer: Any, prompt_tokens: int, stops: list[str],
                 send: Callable[[int, str], bool]):  # fmt: skip
        self.tokenizer, self.start, self.stops, self.send = tokenizer, prompt_tokens, stops, send
        self.tokens: list[int] = []
        self.text, self.shown, self.stopped, self.gone = "", 0, False, False

    def __call__(self, input_ids: torch.LongTensor, scores: Any, **kwargs) -> torch.BoolTensor:
        if not (self.stopped or self.gone):
            self.tokens = input_ids[0, self.start :].tolist()
            self._advance(self.tokenizer.decode(self.tokens, skip_special_tokens=True))
        done = self.stopped or self.gone
        return torch.full((input_ids.shape[0],), done, dtype=torch.bool, device=input_ids.device)

    def _advance(self, text: str) -> None:
        found = [at for at in (text.find(stop) for stop in self.stops) if at >= 0]
        if found:
            self.text, self.stopped = text[: min(found)], True
            ready = len(self.text)
        else:
            self.text = text
            ready = min(len(text.rstrip("\ufffd")), len(text) - _partial_stop(text, self.stops))
        if ready > self.shown:
            self.gone = not self.send(self.shown, self.text[self.shown : ready])
            self.shown = ready


def _partial_stop(text: str, stops: list[str]) -> int:
    """The length of the longest end of `text` that a stop sequence starts with."""
    return max(
        (size for stop in stops for size in range(1, len(stop)) if text.endswith(stop[:size])),
        default=0,
    )
