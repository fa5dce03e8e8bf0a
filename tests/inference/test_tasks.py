"""What the web side checks before a request reaches a worker."""

import re

import pytest
from huggingface_hub.inference._client import MODEL_KWARGS_NOT_USED_REGEX

from inference.errors import InvalidInputs, UnsupportedTask
from inference.tasks import TASKS, prepare, task_for, widget_requests


def test_unknown_parameters_are_named_in_the_words_the_client_retries_on():
    with pytest.raises(InvalidInputs) as raised:
        prepare(TASKS["text-generation"], "hi", {"details": True, "watermark": True})

    match = MODEL_KWARGS_NOT_USED_REGEX.search(raised.value.message)
    assert [k.strip("' ") for k in match.group(1).split(",")] == ["details", "watermark"]


@pytest.mark.parametrize(
    ("task", "inputs", "message"),
    [
        ("text-classification", 3, "string or a list of strings"),
        ("question-answering", {"question": "q"}, '"context"'),
        ("sentence-similarity", {"source_sentence": "a", "sentences": []}, "sentences"),
        ("image-classification", "not base64!", "image"),
        ("text-classification", ["x"] * 33, "At most 32"),
    ],
)
def test_inputs_of_the_wrong_shape_are_refused_with_the_shape_expected(task, inputs, message):
    with pytest.raises(InvalidInputs, match=re.escape(message)):
        prepare(TASKS[task], inputs, {})


def test_zero_shot_labels_may_be_a_comma_separated_string():
    payload = prepare(TASKS["zero-shot-classification"], "hi", {"candidate_labels": "a, b"})

    assert payload["parameters"]["candidate_labels"] == ["a", "b"]


def test_a_model_runs_its_own_task_or_its_embedding_twin_only():
    assert task_for(pipeline_tag="sentence-similarity", requested="feature-extraction",
                    repo_id="a/b").name == "feature-extraction"  # fmt: skip
    with pytest.raises(UnsupportedTask, match="text-to-image"):
        task_for(pipeline_tag="text-to-image", requested=None, repo_id="a/b")
    with pytest.raises(UnsupportedTask, match="no pipeline_tag"):
        task_for(pipeline_tag="", requested=None, repo_id="a/b")


def test_widget_examples_follow_the_hub_card_format_per_task():
    card = {"widget": [
        {"text": "Where do I live?", "context": "I live in Berlin", "example_title": "Berlin"},
        {"text": "no context: not a question-answering example"},
    ]}  # fmt: skip

    assert widget_requests(pipeline_tag="question-answering", card=card) == [
        {"title": "Berlin", "parameters": {},
         "inputs": {"question": "Where do I live?", "context": "I live in Berlin"}},
    ]  # fmt: skip
