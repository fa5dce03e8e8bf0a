"""A worker answers every pending request of a model in one batch, each in the Hub's shape."""

from datetime import timedelta

import pytest
from django.utils import timezone
from transformers import pipeline

from inference.models import InferenceRequest
from inference.services import inference_batch_run
from inference.tasks import TASKS, prepare
from tests.inference import tiny

pytestmark = pytest.mark.django_db


def pending(repo, task: str, inputs, parameters: dict | None = None, wait: bool = True):
    payload = {**prepare(TASKS[task], inputs, parameters or {}), "wait_for_model": wait}
    return InferenceRequest.objects.create(
        repo=repo, sha=repo.head_sha, task=task, payload=payload,
        expires_at=timezone.now() + timedelta(minutes=1),
    )  # fmt: skip


class Published(dict):
    def __call__(self, request_id: str, answer: dict) -> None:
        self.setdefault(request_id, []).append(answer)


def test_one_run_answers_every_pending_request_of_the_model_exactly(make_model, fresh_cache):
    repo = make_model(tiny.text_classifier, "batched")
    texts = ["i love this movie", "this film is terrible and boring", "great"]
    requests = [pending(repo, "text-classification", text) for text in texts]
    published = Published()

    inference_batch_run(request_id=str(requests[1].id), publish=published)

    direct = pipeline("text-classification", model=str(repo.folder))
    for request, text in zip(requests, texts, strict=True):
        loading, done = published[str(request.id)]
        assert loading["loading"]["estimated_time"] > 0
        expected = direct(text, top_k=None)
        assert done["output"][0] == [
            {"label": e["label"], "score": pytest.approx(e["score"], rel=1e-5)} for e in expected
        ]
    assert not InferenceRequest.objects.exists()


def test_the_tasks_of_drained_requests_find_nothing_left_to_do(make_model, fresh_cache):
    repo = make_model(tiny.text_classifier, "drained")
    first, second = (pending(repo, "text-classification", t) for t in ("a b", "c d"))
    published = Published()
    inference_batch_run(request_id=str(first.id), publish=published)

    inference_batch_run(request_id=str(second.id), publish=published)

    assert [len(published[str(r.id)]) for r in (first, second)] == [2, 2]


def test_a_run_retried_after_its_worker_died_answers_its_batch_again(make_model, fresh_cache):
    repo = make_model(tiny.text_classifier, "retried")
    first, second = (pending(repo, "text-classification", t) for t in ("a b", "c d"))
    # The first run claimed both, then its process was killed before answering.
    InferenceRequest.objects.update(claim=str(first.id))
    published = Published()

    inference_batch_run(request_id=str(first.id), publish=published)

    assert "output" in published[str(second.id)][-1] and "output" in published[str(first.id)][-1]


def test_a_cold_model_answers_loading_to_requests_that_do_not_wait(make_model, fresh_cache):
    repo = make_model(tiny.text_classifier, "cold")
    hasty, patient = (
        pending(repo, "text-classification", "hi", wait=False),
        pending(repo, "text-classification", "hi"),
    )
    published = Published()

    inference_batch_run(request_id=str(hasty.id), publish=published)

    assert [list(a) for a in published[str(hasty.id)]] == [["loading"]]
    assert [list(a) for a in published[str(patient.id)]] == [["loading"], ["output"]]


def test_one_bad_input_fails_only_its_own_request(make_model, fresh_cache):
    repo = make_model(tiny.masked_lm, "masked")
    good, bad = (pending(repo, "fill-mask", t) for t in ("paris is the [MASK]", "no mask"))
    published = Published()

    inference_batch_run(request_id=str(good.id), publish=published)

    assert published[str(good.id)][-1]["output"][0]["sequence"].startswith("paris is the")
    assert published[str(bad.id)][-1]["error"]["code"] == "InvalidInputs"


def test_feature_extraction_in_a_batch_gives_each_text_its_own_tokens(make_model, fresh_cache):
    repo = make_model(tiny.encoder, "embed")
    texts = ["paris", "the quick brown fox jumps over the lazy dog"]
    requests = [pending(repo, "feature-extraction", text) for text in texts]
    published = Published()

    inference_batch_run(request_id=str(requests[0].id), publish=published)

    direct = pipeline("feature-extraction", model=str(repo.folder))
    for request, text in zip(requests, texts, strict=True):
        output, expected = published[str(request.id)][-1]["output"], direct(text)
        assert len(output[0]) == len(expected[0])
        assert output[0][0] == pytest.approx(expected[0][0], abs=1e-5)
