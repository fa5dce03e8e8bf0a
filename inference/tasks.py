"""What each task accepts, checked on the web side before a request reaches a worker.

Pure Python: the web processes never import torch. `prepare` turns a request body into the
payload a worker runs: a list of items (one request may carry several inputs) and the
parameters the task understands.
"""

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from inference.errors import InvalidInputs, UnsupportedTask

# The most inputs one request may carry (a list of texts); a batch holds several requests.
MAX_ITEMS = 32

GENERATE_PARAMETERS = frozenset(
    {
        "do_sample",
        "early_stopping",
        "max_length",
        "max_new_tokens",
        "min_length",
        "min_new_tokens",
        "num_beams",
        "repetition_penalty",
        "temperature",
        "top_k",
        "top_p",
        "typical_p",
        "no_repeat_ngram_size",
    }
)


@dataclass(frozen=True)
class Task:
    name: str
    load: str  # what a worker loads: a transformers pipeline task, or our own runner
    parameters: frozenset[str]
    inputs: str  # "text", "qa", "similarity" or "image"


TASKS = {
    task.name: task
    for task in (
        Task("text-classification", "text-classification",
             frozenset({"top_k", "function_to_apply"}), "text"),
        Task("token-classification", "token-classification",
             frozenset({"aggregation_strategy", "ignore_labels", "stride"}), "text"),
        Task("fill-mask", "fill-mask", frozenset({"top_k", "targets"}), "text"),
        Task("feature-extraction", "feature-extraction", frozenset({"truncate"}), "text"),
        Task("sentence-similarity", "feature-extraction", frozenset(), "similarity"),
        Task("question-answering", "question-answering",
             frozenset({"top_k", "max_answer_len"}), "qa"),
        Task("zero-shot-classification", "zero-shot-classification",
             frozenset({"candidate_labels", "multi_label", "hypothesis_template"}), "text"),
        Task("summarization", "seq2seq",
             frozenset({"clean_up_tokenization_spaces", "truncation", "generate_parameters"}),
             "text"),
        Task("translation", "seq2seq",
             frozenset({"src_lang", "tgt_lang", "clean_up_tokenization_spaces", "truncation",
                        "generate_parameters"}), "text"),
        Task("text-generation", "text-generation",
             GENERATE_PARAMETERS | {"return_full_text", "seed"}, "text"),
        Task("image-classification", "image-classification",
             frozenset({"top_k", "function_to_apply"}), "image"),
    )
}  # fmt: skip

# The Hub serves a model under another task only between these two: both embed sentences.
_INTERCHANGEABLE = {"feature-extraction", "sentence-similarity"}


def task_for(*, pipeline_tag: str, requested: str | None, repo_id: str) -> Task:
    """The task a request runs: the model's pipeline_tag, or a compatible requested one."""
    name = requested or pipeline_tag
    if (
        requested
        and requested != pipeline_tag
        and not {requested, pipeline_tag} <= _INTERCHANGEABLE
    ):
        raise UnsupportedTask(f"Model {repo_id} is a {pipeline_tag or 'untagged'} model, "
                              f"not {requested}")  # fmt: skip
    if not name:
        raise UnsupportedTask(
            f"Model {repo_id} has no pipeline_tag in its model card, so the hub cannot tell "
            f"which task to run. Add one of: {', '.join(sorted(TASKS))}"
        )
    if name not in TASKS:
        raise UnsupportedTask(
            f"Task {name} is not supported by this hub's inference; "
            f"supported tasks: {', '.join(sorted(TASKS))}"
        )
    return TASKS[name]


def prepare(task: Task, inputs: Any, parameters: dict) -> dict:
    """The payload a worker runs: {"items": [...], "single": bool, "parameters": {...}}."""
    unknown = sorted(set(parameters) - task.parameters)
    if unknown:
        # This wording is what huggingface_hub's text_generation() looks for: it then
        # retries without those parameters, as it does with servers other than TGI.
        raise InvalidInputs(
            f"The following `model_kwargs` are not used by the model: {unknown} "
            f"({task.name} accepts: {', '.join(sorted(task.parameters)) or 'no parameters'})"
        )
    items, single = _ITEMS[task.inputs](inputs)
    if not items:
        raise InvalidInputs("`inputs` is empty")
    if len(items) > MAX_ITEMS:
        raise InvalidInputs(f"At most {MAX_ITEMS} inputs per request; got {len(items)}")
    if task.name == "zero-shot-classification":
        parameters = {**parameters, "candidate_labels": _labels(parameters)}
    return {"items": items, "single": single, "parameters": parameters}


def _texts(inputs: Any) -> tuple[list, bool]:
    if isinstance(inputs, str):
        return [inputs], True
    if isinstance(inputs, list) and all(isinstance(item, str) for item in inputs):
        return inputs, False
    raise InvalidInputs("`inputs` must be a string or a list of strings")


def _qa(inputs: Any) -> tuple[list, bool]:
    listed = inputs if isinstance(inputs, list) else [inputs]
    for item in listed:
        if not (isinstance(item, dict) and _strings(item, "question", "context")):
            raise InvalidInputs('`inputs` must be {"question": "...", "context": "..."}')
    return [{"question": i["question"], "context": i["context"]} for i in listed], not isinstance(
        inputs, list
    )


def _similarity(inputs: Any) -> tuple[list, bool]:
    sentences = inputs.get("sentences") if isinstance(inputs, dict) else None
    if not (
        isinstance(inputs, dict)
        and isinstance(inputs.get("source_sentence"), str)
        and isinstance(sentences, list)
        and sentences
        and all(isinstance(s, str) for s in sentences)
    ):
        raise InvalidInputs(
            '`inputs` must be {"source_sentence": "...", "sentences": ["...", ...]}'
        )
    if len(sentences) > MAX_ITEMS:
        raise InvalidInputs(f"At most {MAX_ITEMS} sentences per request; got {len(sentences)}")
    return [{"source_sentence": inputs["source_sentence"], "sentences": sentences}], True


def _image(inputs: Any) -> tuple[list, bool]:
    """Raw bytes (the body) or base64 text (a JSON body, when parameters are sent)."""
    if isinstance(inputs, bytes):
        return [base64.b64encode(inputs).decode()], True
    if isinstance(inputs, str):
        try:
            base64.b64decode(inputs, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInputs("`inputs` must be an image, or base64 text of one") from None
        return [inputs], True
    raise InvalidInputs("`inputs` must be an image, or base64 text of one")


_ITEMS = {"text": _texts, "qa": _qa, "similarity": _similarity, "image": _image}


def _strings(item: dict, *keys: str) -> bool:
    return all(isinstance(item.get(key), str) for key in keys)


def _labels(parameters: dict) -> list[str]:
    labels = parameters.get("candidate_labels")
    if isinstance(labels, str):
        labels = [label.strip() for label in labels.split(",") if label.strip()]
    if not (isinstance(labels, list) and labels and all(isinstance(x, str) for x in labels)):
        raise InvalidInputs("`parameters.candidate_labels` must be a non-empty list of strings")
    return labels


# -- widget examples: the card's `widget:` entries as request bodies ---------------------------


def widget_requests(*, pipeline_tag: str, card: dict) -> list[dict]:
    """The card's `widget:` examples for this task as {"title", "inputs", "parameters"}.

    Entries that do not fit the task are left out; image examples name a file in the repo.
    """
    if pipeline_tag not in TASKS or not isinstance(card.get("widget"), list):
        return []
    found = []
    for number, entry in enumerate(card["widget"], start=1):
        if not isinstance(entry, dict):
            continue
        request = _example_request(TASKS[pipeline_tag], entry)
        if request is not None:
            title = entry.get("example_title")
            found.append({"title": str(title) if title else f"Example {number}", **request})
    return found


def _example_request(task: Task, entry: dict) -> dict | None:
    if task.inputs == "qa" and _strings(entry, "text", "context"):
        return {"inputs": {"question": entry["text"], "context": entry["context"]},
                "parameters": {}}  # fmt: skip
    if task.inputs == "similarity" and isinstance(entry.get("source_sentence"), str):
        sentences = entry.get("sentences")
        if isinstance(sentences, list) and all(isinstance(s, str) for s in sentences):
            inputs = {"source_sentence": entry["source_sentence"], "sentences": sentences}
            return {"inputs": inputs, "parameters": {}}
    if task.inputs == "image" and isinstance(entry.get("src"), str):
        return {"inputs": None, "src": entry["src"], "parameters": {}}
    if task.inputs == "text" and isinstance(entry.get("text"), str):
        parameters = {}
        if task.name == "zero-shot-classification":
            if entry.get("candidate_labels") is None:
                return None
            parameters["candidate_labels"] = entry["candidate_labels"]
            if entry.get("multi_class") or entry.get("multi_label"):
                parameters["multi_label"] = True
        return {"inputs": entry["text"], "parameters": parameters}
    return None
