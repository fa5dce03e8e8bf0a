"""A worker answers the pending requests of a model in one batch, each on its own channel."""

import re
import threading
from contextlib import ExitStack

import pytest
from transformers import pipeline

from inference.errors import InferenceWorkerLost
from inference.services import MAX_BATCH, inference_batch_fail, inference_batch_run, model_key
from inference.tasks import TASKS, prepare
from tests.inference import tiny
from workers.inference import inference_claim, inference_queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def requests():
    """queue(repo, task, inputs, ...) -> the inbox of a pending request, open for the test."""
    with ExitStack() as stack:

        def queue(repo, task: str, inputs, parameters: dict | None = None, *, wait: bool = True,
                  expires_in: float = 60):  # fmt: skip
            payload = {**prepare(TASKS[task], inputs, parameters or {}), "wait_for_model": wait,
                       "repo_id": repo.repo_id}  # fmt: skip
            return stack.enter_context(
                inference_queued(model=key(repo, task), payload=payload, expires_in=expires_in)
            )

        yield queue


def key(repo, task: str) -> str:
    return model_key(storage_id=str(repo.storage_id), sha=repo.head_sha, task_name=task)


def heard(inbox) -> list[dict]:
    """Every answer the inbox got (a run publishes before it returns)."""
    answers = []
    while (answer := inbox.receive(0.3)) is not None:
        answers.append(answer)
    return answers


def test_one_run_answers_every_pending_request_of_the_model_exactly(
    make_model, fresh_cache, requests
):
    repo = make_model(tiny.text_classifier, "batched")
    texts = ["i love this movie", "this film is terrible and boring", "great"]
    inboxes = [requests(repo, "text-classification", text) for text in texts]

    inference_batch_run(claim_id="run-1", model=key(repo, "text-classification"))

    direct = pipeline("text-classification", model=str(repo.folder))
    for inbox, text in zip(inboxes, texts, strict=True):
        loading, done = heard(inbox)
        assert loading["loading"]["estimated_time"] > 0
        expected = direct(text, top_k=None)
        assert done["output"][0] == [
            {"label": e["label"], "score": pytest.approx(e["score"], rel=1e-5)} for e in expected
        ]


def test_a_run_answers_in_batches_of_the_oldest_requests_up_to_the_batch_size(
    make_model, fresh_cache, requests, caplog
):
    repo = make_model(tiny.text_classifier, "many")
    inboxes = [requests(repo, "text-classification", f"text {n}") for n in range(MAX_BATCH + 2)]

    with caplog.at_level("INFO", logger="inference.services"):
        inference_batch_run(claim_id="run-1", model=key(repo, "text-classification"))

    sizes = re.findall(r"answers (\d+) request\(s\)", caplog.text)
    assert sizes == [str(MAX_BATCH), "2"]
    assert [len(heard(inbox)) for inbox in inboxes] == [2] * MAX_BATCH + [1, 1]


def test_a_run_keeps_serving_requests_that_come_while_it_waits(make_model, fresh_cache, requests):
    repo = make_model(tiny.text_classifier, "serving")
    first, later = requests(repo, "text-classification", "a b"), []

    def lone_client() -> None:  # asks again as soon as it has its first answer
        while "output" not in first.receive(10):
            pass
        later.append(requests(repo, "text-classification", "c d"))

    asking = threading.Thread(target=lone_client)
    asking.start()
    inference_batch_run(claim_id="run-1", model=key(repo, "text-classification"))
    asking.join()

    assert "output" in heard(later[0])[-1]


def test_the_tasks_of_requests_already_answered_find_nothing_left_to_do(
    make_model, fresh_cache, requests
):
    repo = make_model(tiny.text_classifier, "drained")
    inboxes = [requests(repo, "text-classification", t) for t in ("a b", "c d")]
    inference_batch_run(claim_id="run-1", model=key(repo, "text-classification"))
    assert [len(heard(inbox)) for inbox in inboxes] == [2, 2]

    inference_batch_run(claim_id="run-2", model=key(repo, "text-classification"))

    assert [heard(inbox) for inbox in inboxes] == [[], []]


def test_a_run_retried_after_its_worker_died_answers_its_batch_again(
    make_model, fresh_cache, requests
):
    repo = make_model(tiny.text_classifier, "retried")
    model = key(repo, "text-classification")
    first, second = (requests(repo, "text-classification", t) for t in ("a b", "c d"))
    # The first run claimed both, then its process was killed before answering.
    inference_claim(claim_id="run-1", model=model, limit=MAX_BATCH)

    inference_batch_run(claim_id="run-1", model=model)

    assert "output" in heard(first)[-1] and "output" in heard(second)[-1]


def test_a_batch_that_fails_for_good_answers_each_request_with_the_reason(make_model, requests):
    repo = make_model(tiny.text_classifier, "lost")
    model = key(repo, "text-classification")
    inboxes = [requests(repo, "text-classification", t) for t in ("a b", "c d")]
    inference_claim(claim_id="run-1", model=model, limit=MAX_BATCH)

    inference_batch_fail(claim_id="run-1", error=InferenceWorkerLost())

    for inbox in inboxes:
        assert [answer["error"]["code"] for answer in heard(inbox)] == ["InferenceWorkerLost"]
    inference_batch_run(claim_id="run-1", model=model)  # the claim is gone: nothing to redo
    assert [heard(inbox) for inbox in inboxes] == [[], []]


def test_requests_nobody_waits_for_any_more_are_dropped(make_model, fresh_cache, requests):
    repo = make_model(tiny.text_classifier, "expired")
    gone = requests(repo, "text-classification", "a b", expires_in=-1)
    waiting = requests(repo, "text-classification", "c d")

    inference_batch_run(claim_id="run-1", model=key(repo, "text-classification"))

    assert heard(gone) == [] and "output" in heard(waiting)[-1]


def test_a_cold_model_answers_loading_to_requests_that_do_not_wait(
    make_model, fresh_cache, requests
):
    repo = make_model(tiny.text_classifier, "cold")
    hasty = requests(repo, "text-classification", "hi", wait=False)
    patient = requests(repo, "text-classification", "hi")

    inference_batch_run(claim_id="run-1", model=key(repo, "text-classification"))

    assert [list(a) for a in heard(hasty)] == [["loading"]]
    assert [list(a) for a in heard(patient)] == [["loading"], ["output"]]


def test_one_bad_input_fails_only_its_own_request(make_model, fresh_cache, requests):
    repo = make_model(tiny.masked_lm, "masked")
    good, bad = (requests(repo, "fill-mask", t) for t in ("paris is the [MASK]", "no mask"))

    inference_batch_run(claim_id="run-1", model=key(repo, "fill-mask"))

    assert heard(good)[-1]["output"][0]["sequence"].startswith("paris is the")
    assert heard(bad)[-1]["error"]["code"] == "InvalidInputs"


def test_feature_extraction_in_a_batch_gives_each_text_its_own_tokens(
    make_model, fresh_cache, requests
):
    repo = make_model(tiny.encoder, "embed")
    texts = ["paris", "the quick brown fox jumps over the lazy dog"]
    inboxes = [requests(repo, "feature-extraction", text) for text in texts]

    inference_batch_run(claim_id="run-1", model=key(repo, "feature-extraction"))

    direct = pipeline("feature-extraction", model=str(repo.folder))
    for inbox, text in zip(inboxes, texts, strict=True):
        output, expected = heard(inbox)[-1]["output"], direct(text)
        assert len(output[0]) == len(expected[0])
        assert output[0][0] == pytest.approx(expected[0][0], abs=1e-5)
