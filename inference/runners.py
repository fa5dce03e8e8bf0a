"""Worker side: one batched call per task, and outputs in the shapes the Hub answers.

`run(task, model, items, parameters)` returns one output per item. Where transformers 5 has
a pipeline the call is that pipeline's; question answering and summarization/translation,
whose pipelines transformers 5 removed, run the model directly.
"""

import base64
import io
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from django.conf import settings
from PIL import Image, UnidentifiedImageError
from transformers import Pipeline
from transformers.pipelines.base import PipelineException

from inference.errors import InvalidInputs
from inference.tasks import GENERATE_PARAMETERS

# What a bad input or parameter raises inside a pipeline or a model call.
INPUT_ERRORS = (PipelineException, ValueError, TypeError, KeyError, IndexError, RuntimeError)


def run(task: str, model: Any, items: list, parameters: dict) -> list:
    try:
        return _RUNNERS[task](model, items, dict(parameters))
    except INPUT_ERRORS as exc:
        message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else repr(exc)
        raise InvalidInputs(f"Bad inputs for {task}: {message}") from None


def respond(task: str, outputs: list, single: bool) -> Any:
    """The response body for one request from its items' outputs."""
    if task == "text-classification":
        return outputs  # [[{label, score}, ...]] even for one text: the client takes [0]
    if task in ("summarization", "translation") and single:
        return outputs
    return outputs[0] if single else outputs


def _plain(value: Any) -> Any:
    """numpy and torch scalars and arrays as JSON types."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray | torch.Tensor):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _kwargs(parameters: dict, *names: str) -> dict:
    return {name: parameters[name] for name in names if parameters.get(name) is not None}


def _text_classification(pipe: Pipeline, items: list, parameters: dict) -> list:
    out = pipe(items, top_k=parameters.get("top_k"), truncation=True, batch_size=len(items),
               **_kwargs(parameters, "function_to_apply"))  # fmt: skip
    return _plain(out)


def _token_classification(pipe: Pipeline, items: list, parameters: dict) -> list:
    strategy = parameters.get("aggregation_strategy") or "simple"
    out = pipe(items, aggregation_strategy=strategy, batch_size=len(items),
               **_kwargs(parameters, "ignore_labels", "stride"))  # fmt: skip
    return _plain(out)


def _fill_mask(pipe: Pipeline, items: list, parameters: dict) -> list:
    out = pipe(items, batch_size=len(items), **_kwargs(parameters, "top_k", "targets"))
    return _plain(out if len(items) > 1 else [out])


def _embeddings(pipe: Pipeline, texts: list[str], parameters: dict) -> list:
    """Token embeddings per text, [1][tokens][hidden], as a call on that text alone gives."""
    tokenize = {"truncation": bool(parameters.get("truncate"))}
    out = pipe(texts, batch_size=len(texts), tokenize_kwargs=tokenize)
    trimmed = []
    for text, vectors in zip(texts, out, strict=True):
        # A batch is padded to its longest text; each output keeps only its own tokens.
        count = len(pipe.tokenizer(text, **tokenize)["input_ids"])
        rows = vectors[0]
        rows = rows[:count] if pipe.tokenizer.padding_side == "right" else rows[-count:]
        trimmed.append([_plain(rows)])
    return trimmed


def _feature_extraction(pipe: Pipeline, items: list, parameters: dict) -> list:
    return _embeddings(pipe, items, parameters)


def _sentence_similarity(pipe: Pipeline, items: list, parameters: dict) -> list:
    """Cosine similarity of mean-pooled token embeddings, source against each sentence."""
    results = []
    for item in items:
        texts = [item["source_sentence"], *item["sentences"]]
        pooled = np.array([np.mean(e[0], axis=0) for e in _embeddings(pipe, texts, {})])
        pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
        results.append([float(x) for x in pooled[1:] @ pooled[0]])
    return results


def _zero_shot(pipe: Pipeline, items: list, parameters: dict) -> list:
    out = pipe(items, batch_size=len(items), candidate_labels=parameters["candidate_labels"],
               **_kwargs(parameters, "multi_label", "hypothesis_template"))  # fmt: skip
    out = out if isinstance(out, list) else [out]
    return [
        [{"label": label, "score": float(score)} for label, score in
         zip(result["labels"], result["scores"], strict=True)]
        for result in out
    ]  # fmt: skip


def _text_generation(pipe: Pipeline, items: list, parameters: dict) -> list:
    generate = _generate_kwargs(parameters)
    if parameters.get("seed") is not None:
        torch.manual_seed(int(parameters["seed"]))
    out = pipe(items, batch_size=len(items), **generate,
               **_kwargs(parameters, "return_full_text"))  # fmt: skip
    return _plain(out)


def _generate_kwargs(parameters: dict) -> dict:
    generate = {key: value for key, value in parameters.items() if key in GENERATE_PARAMETERS}
    limit = settings.HUB_INFERENCE_MAX_NEW_TOKENS
    for key in ("max_new_tokens", "min_new_tokens"):
        if isinstance(generate.get(key), int) and generate[key] > limit:
            raise ValueError(f"{key} is at most {limit} on this hub (HUB_INFERENCE_MAX_NEW_TOKENS)")
    generate["max_time"] = float(settings.HUB_INFERENCE_TIMEOUT)
    return generate


def _image_classification(pipe: Pipeline, items: list, parameters: dict) -> list:
    images = []
    for encoded in items:
        try:
            images.append(Image.open(io.BytesIO(base64.b64decode(encoded))).convert("RGB"))
        except (UnidentifiedImageError, OSError):
            raise ValueError("the input is not an image this hub can read") from None
    out = pipe(images, batch_size=len(images), **_kwargs(parameters, "top_k", "function_to_apply"))
    return _plain(out)


def _question_answering(model_and_tokenizer: tuple, items: list, parameters: dict) -> list:
    model, tokenizer = model_and_tokenizer
    top_k, longest = int(parameters.get("top_k") or 1), int(parameters.get("max_answer_len") or 15)
    encoded = tokenizer(
        [item["question"] for item in items], [item["context"] for item in items],
        truncation="only_second", max_length=_max_length(model, tokenizer), padding=True,
        return_offsets_mapping=True, return_tensors="pt",
    )  # fmt: skip
    offsets = encoded.pop("offset_mapping")
    with torch.inference_mode():
        logits = model(**encoded)
    answers = []
    for index, item in enumerate(items):
        in_context = torch.tensor([sid == 1 for sid in encoded.sequence_ids(index)])
        spans = _best_spans(logits.start_logits[index], logits.end_logits[index], in_context,
                            top_k, longest)  # fmt: skip
        found = []
        for score, start, end in spans:
            first, last = int(offsets[index][start][0]), int(offsets[index][end][1])
            found.append({"score": score, "start": first, "end": last,
                          "answer": item["context"][first:last]})  # fmt: skip
        answers.append(found[0] if top_k == 1 else found)
    return answers


def _best_spans(
    start: torch.Tensor, end: torch.Tensor, in_context: torch.Tensor, top_k: int, longest: int
) -> list[tuple]:
    """The most probable (start <= end) spans inside the context, as the old pipeline chose."""
    start = torch.where(in_context, start, -1e4).softmax(-1)
    end = torch.where(in_context, end, -1e4).softmax(-1)
    scores = torch.triu(torch.outer(start, end)) - torch.triu(torch.outer(start, end), longest)
    flat = scores.flatten().topk(min(top_k, scores.numel()))
    size = scores.shape[1]
    return [(float(s), int(i) // size, int(i) % size) for s, i in zip(*flat, strict=True)]


def _seq2seq(task: str) -> Callable[[Any, list, dict], list]:
    key = "summary_text" if task == "summarization" else "translation_text"

    def run_seq2seq(model_and_tokenizer: tuple, items: list, parameters: dict) -> list:
        model, tokenizer = model_and_tokenizer
        prefix = _task_prefix(model.config, task, parameters)
        if parameters.get("src_lang") and hasattr(tokenizer, "src_lang"):
            tokenizer.src_lang = parameters["src_lang"]
        truncate = parameters.get("truncation") not in ("do_not_truncate", False)
        encoded = tokenizer(
            [prefix + text for text in items], padding=True, truncation=truncate,
            max_length=_max_length(model, tokenizer), return_tensors="pt",
        )  # fmt: skip
        encoded.pop("token_type_ids", None)
        generate = _generate_kwargs(parameters.get("generate_parameters") or {})
        if parameters.get("tgt_lang") and parameters["tgt_lang"] in tokenizer.get_vocab():
            generate["forced_bos_token_id"] = tokenizer.convert_tokens_to_ids(
                parameters["tgt_lang"]
            )
        with torch.inference_mode():
            tokens = model.generate(**encoded, **generate)
        cleanup = _kwargs(parameters, "clean_up_tokenization_spaces")
        texts = tokenizer.batch_decode(tokens, skip_special_tokens=True, **cleanup)
        return [{key: text} for text in texts]

    return run_seq2seq


def _task_prefix(config: Any, task: str, parameters: dict) -> str:
    """The prompt prefix a T5-style config names for the task (`translate English to ...`)."""
    specific = getattr(config, "task_specific_params", None) or {}
    if task == "translation":
        wanted = f"translation_{parameters.get('src_lang')}_to_{parameters.get('tgt_lang')}"
        names = [wanted] if wanted in specific else [n for n in specific if n.startswith(task)]
        task = names[0] if len(names) == 1 else ""
    return str(specific.get(task, {}).get("prefix") or getattr(config, "prefix", None) or "")


def _max_length(model: Any, tokenizer: Any) -> int:
    positions = getattr(model.config, "max_position_embeddings", None) or 512
    return min(tokenizer.model_max_length, positions)


_RUNNERS = {
    "text-classification": _text_classification,
    "token-classification": _token_classification,
    "fill-mask": _fill_mask,
    "feature-extraction": _feature_extraction,
    "sentence-similarity": _sentence_similarity,
    "zero-shot-classification": _zero_shot,
    "text-generation": _text_generation,
    "image-classification": _image_classification,
    "question-answering": _question_answering,
    "summarization": _seq2seq("summarization"),
    "translation": _seq2seq("translation"),
}
