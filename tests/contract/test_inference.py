"""huggingface_hub's InferenceClient against a live hub: every supported task, answered by
the Celery worker from tiny models pushed with HfApi, compared with direct transformers calls
on the same files."""

import io
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import psutil
import pytest
import torch
from huggingface_hub import InferenceClient
from PIL import Image
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, pipeline

from tests.contract.conftest import wire, xet_disabled
from tests.inference import tiny
from tests.live import wait_until

pytestmark = pytest.mark.live

# InferenceClient raises on the Hub's 503 "currently loading"; this header (the Hub's too)
# makes the first call wait for the model instead.
WAIT = {"X-Wait-For-Model": "true"}
FACTORIES = {
    "text-classification": tiny.text_classifier,
    "token-classification": tiny.token_classifier,
    "fill-mask": tiny.masked_lm,
    "feature-extraction": tiny.encoder,
    "sentence-similarity": lambda folder: tiny.encoder(folder, "sentence-similarity"),
    "question-answering": tiny.extractive_qa,
    "zero-shot-classification": tiny.nli,
    "summarization": tiny.seq2seq,
    "translation": lambda folder: tiny.seq2seq(folder, "translation"),
    "text-generation": tiny.gpt2,
    "image-classification": tiny.vit,
}


def push(hub, persona, folder, *, name: str, private: bool = False) -> str:
    with xet_disabled():
        api = persona.api(hub)
        repo_id = api.create_repo(f"{persona.name}/{name}-{uuid.uuid4().hex[:6]}",
                                  private=private).repo_id  # fmt: skip
        api.upload_folder(folder_path=folder, repo_id=repo_id)
    return repo_id


@pytest.fixture(scope="module")
def models(hub, alice, tmp_path_factory) -> dict:
    """task -> (repo id, local folder with the same files)."""
    root = tmp_path_factory.mktemp("models")
    found = {}
    for task, factory in FACTORIES.items():
        folder = factory(root / task)
        found[task] = (push(hub, alice, folder, name=f"tiny-{task}"), folder)
    return found


def client(hub, persona, repo_id: str) -> InferenceClient:
    return InferenceClient(model=f"{hub.url}/models/{repo_id}", token=persona.token, headers=WAIT)


def approx(value):
    return pytest.approx(value, rel=1e-4, abs=1e-6)


def test_text_classification_gives_every_label_with_the_pipeline_scores(hub, alice, models):
    repo_id, folder = models["text-classification"]

    answer = client(hub, alice, repo_id).text_classification("i love this movie")

    expected = pipeline("text-classification", model=str(folder))("i love this movie", top_k=None)
    assert [(a.label, a.score) for a in answer] == [
        (e["label"], approx(e["score"])) for e in expected
    ]


def test_token_classification_groups_entities_as_the_pipeline_does(hub, alice, models):
    repo_id, folder = models["token-classification"]
    text = "my name is wolfgang and i live in berlin"

    answer = client(hub, alice, repo_id).token_classification(text)

    expected = pipeline("token-classification", model=str(folder), aggregation_strategy="simple")
    assert [(a.entity_group, a.word, a.start, a.end, a.score) for a in answer] == [
        (e["entity_group"], e["word"], e["start"], e["end"], approx(float(e["score"])))
        for e in expected(text)
    ]


def test_fill_mask_gives_the_pipeline_candidates(hub, alice, models):
    repo_id, folder = models["fill-mask"]
    text = "paris is the [MASK] of france"

    answer = client(hub, alice, repo_id).fill_mask(text)

    expected = pipeline("fill-mask", model=str(folder))(text)
    assert [(a.token, a.token_str, a.sequence, a.score) for a in answer] == [
        (e["token"], e["token_str"], e["sequence"], approx(e["score"])) for e in expected
    ]


def test_feature_extraction_gives_the_token_embeddings(hub, alice, models):
    repo_id, folder = models["feature-extraction"]

    answer = client(hub, alice, repo_id).feature_extraction("paris is the capital")

    expected = np.array(pipeline("feature-extraction", model=str(folder))("paris is the capital"))
    assert answer.dtype == np.float32 and answer.shape == expected.shape == (1, 6, 32)
    assert np.allclose(answer, expected, atol=1e-5)


def test_sentence_similarity_is_the_cosine_of_mean_pooled_embeddings(hub, alice, models):
    repo_id, folder = models["sentence-similarity"]
    sentences = ["the quick brown fox", "paris is the capital of france"]

    answer = client(hub, alice, repo_id).sentence_similarity("i live in berlin", sentences)

    embed = pipeline("feature-extraction", model=str(folder))
    pooled = [np.mean(embed(text)[0], axis=0) for text in ["i live in berlin", *sentences]]
    cosine = [float(p @ pooled[0] / np.linalg.norm(p) / np.linalg.norm(pooled[0]))
              for p in pooled[1:]]  # fmt: skip
    assert isinstance(answer, list) and answer == [approx(c) for c in cosine]


def test_question_answering_points_at_a_span_of_the_context(hub, alice, models):
    repo_id, _ = models["question-answering"]
    context = "my name is wolfgang and i live in berlin"

    answer = client(hub, alice, repo_id).question_answering("where do i live", context)

    assert 0 <= answer.start < answer.end <= len(context)
    assert answer.answer == context[answer.start : answer.end]
    assert 0 < answer.score <= 1


def test_zero_shot_classification_scores_each_candidate_as_the_pipeline(hub, alice, models):
    repo_id, folder = models["zero-shot-classification"]

    answer = client(hub, alice, repo_id).zero_shot_classification(
        "i love this movie", candidate_labels=["good", "bad"]
    )

    expected = pipeline("zero-shot-classification", model=str(folder))(
        "i love this movie", candidate_labels=["good", "bad"]
    )
    scores = zip(expected["labels"], expected["scores"], strict=True)
    assert [(a.label, a.score) for a in answer] == [(label, approx(s)) for label, s in scores]


def _generate(folder, text: str, **options) -> str:
    model, tokenizer = (
        AutoModelForSeq2SeqLM.from_pretrained(folder),
        AutoTokenizer.from_pretrained(folder),
    )
    encoded = tokenizer([text], return_tensors="pt")
    encoded.pop("token_type_ids", None)
    with torch.inference_mode():
        tokens = model.generate(**encoded, **options)
    return tokenizer.batch_decode(tokens, skip_special_tokens=True)[0]


@pytest.mark.parametrize("task", ["summarization", "translation"])
def test_summaries_and_translations_are_what_the_model_generates(hub, alice, models, task):
    repo_id, folder = models[task]
    text, options = "paris is the capital of france", {"max_new_tokens": 6, "min_new_tokens": 4}

    inference = client(hub, alice, repo_id)
    if task == "summarization":
        answer = inference.summarization(text, generate_parameters=options).summary_text
    else:
        answer = inference.translation(text, generate_parameters=options).translation_text

    assert isinstance(answer, str) and answer == _generate(folder, text, **options)


def test_text_generation_continues_the_prompt_as_the_pipeline(hub, alice, models):
    repo_id, folder = models["text-generation"]
    options = {"max_new_tokens": 6, "do_sample": False}  # greedy: deterministic

    answer = client(hub, alice, repo_id).text_generation("the quick brown", **options)

    expected = pipeline("text-generation", model=str(folder))("the quick brown", **options)
    assert answer == expected[0]["generated_text"]


def test_text_generation_drops_tgi_only_parameters_as_the_client_expects(hub, alice, models):
    repo_id, _ = models["text-generation"]

    with pytest.warns(UserWarning, match="not served via TGI"):
        answer = client(hub, alice, repo_id).text_generation(
            "the quick", max_new_tokens=3, details=True, watermark=True
        )

    assert isinstance(answer, str) and answer.startswith("the quick")


def test_image_classification_labels_a_png_as_the_pipeline(hub, alice, models):
    repo_id, folder = models["image-classification"]
    image = tiny.png()

    answer = client(hub, alice, repo_id).image_classification(image)

    expected = pipeline("image-classification", model=str(folder))(Image.open(io.BytesIO(image)))
    assert [(a.label, a.score) for a in answer] == [
        (e["label"], approx(e["score"])) for e in expected
    ]


def test_a_revision_answers_with_the_weights_of_that_commit(hub, alice, tmp_path):
    old = tiny.text_classifier(tmp_path / "first")
    repo_id = push(hub, alice, old, name="retrained")
    old_sha = alice.api(hub).repo_info(repo_id).sha
    new = tiny.text_classifier(tmp_path / "retrained", seed=1)
    with xet_disabled():
        alice.api(hub).upload_folder(folder_path=new, repo_id=repo_id)

    with wire(hub, alice) as http:
        at_old = http.post(f"/models/{repo_id}/revision/{old_sha}", json={"inputs": "i love it"},
                           headers=WAIT)  # fmt: skip
        at_main = http.post(f"/models/{repo_id}", json={"inputs": "i love it"}, headers=WAIT)

    direct = {folder: pipeline("text-classification", model=str(folder))("i love it", top_k=None)
              for folder in (old, new)}  # fmt: skip
    assert at_old.status_code == at_main.status_code == 200
    assert at_old.json()[0][0]["score"] == approx(direct[old][0]["score"])
    assert at_main.json()[0][0]["score"] == approx(direct[new][0]["score"])


def test_private_models_are_hidden_like_the_rest_of_the_api(
    hub, alice, charlie, anonymous, tmp_path
):
    repo_id = push(hub, alice, tiny.text_classifier(tmp_path / "p"), name="secret", private=True)
    body = {"inputs": "i love this"}

    with wire(hub, anonymous) as http:
        as_anonymous = http.post(f"/models/{repo_id}", json=body)
    with wire(hub, charlie) as http:
        as_charlie = http.post(f"/models/{repo_id}", json=body)
    with wire(hub, alice) as http:
        as_alice = http.post(f"/models/{repo_id}", json=body, headers=WAIT)

    assert (as_anonymous.status_code, as_anonymous.headers["X-Error-Code"]) == (401, "RepoNotFound")
    assert (as_charlie.status_code, as_charlie.headers["X-Error-Code"]) == (404, "RepoNotFound")
    assert as_alice.status_code == 200 and len(as_alice.json()[0]) == 2


def test_a_cold_model_answers_503_loading_with_an_estimated_time(hub, alice, tmp_path):
    repo_id = push(hub, alice, tiny.text_classifier(tmp_path / "cold"), name="cold")

    with wire(hub, alice) as http:
        cold = http.post(f"/models/{repo_id}", json={"inputs": "hello"})
        waited = http.post(
            f"/models/{repo_id}", json={"inputs": "hello", "options": {"wait_for_model": True}}
        )

    assert cold.status_code == 503 and cold.headers["X-Error-Code"] == "ModelLoading"
    assert cold.json()["error"] == f"Model {repo_id} is currently loading"
    assert cold.json()["estimated_time"] > 0
    assert waited.status_code == 200 and {e["label"] for e in waited.json()[0]} == {
        "NEGATIVE",
        "POSITIVE",
    }


def _broken(tmp_path, kind: str):
    folder = tiny.text_classifier(tmp_path / kind)
    weights = folder / "model.safetensors"
    if kind == "corrupt":
        weights.write_bytes(b"\x00" * 4096)
    elif kind == "pickled":
        from safetensors.torch import load_file

        torch.save(load_file(weights), folder / "pytorch_model.bin")
        weights.unlink()
    elif kind == "missing":
        weights.unlink()
    elif kind == "unsupported":
        (folder / "README.md").write_text("---\npipeline_tag: text-to-image\n---\n")
    return folder


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("unsupported", 400, "UnsupportedTask"),
        ("missing", 422, "WeightsMissing"),
        ("pickled", 422, "PickledWeightsRefused"),
        ("corrupt", 422, "WeightsCorrupt"),
    ],
)
def test_a_model_that_cannot_be_served_answers_a_clear_error_and_others_still_work(
    hub, alice, models, tmp_path, kind, status, code
):
    repo_id = push(hub, alice, _broken(tmp_path, kind), name=kind)

    with wire(hub, alice) as http:
        broken = http.post(f"/models/{repo_id}", json={"inputs": "hello"}, headers=WAIT)
        healthy = http.post(f"/models/{models['fill-mask'][0]}",
                            json={"inputs": "paris is the [MASK]"}, headers=WAIT)  # fmt: skip

    assert (broken.status_code, broken.headers["X-Error-Code"]) == (status, code)
    assert repo_id in broken.json()["error"] or "text-to-image" in broken.json()["error"]
    assert healthy.status_code == 200 and healthy.json()[0]["sequence"].startswith("paris is the")


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        ({"inputs": "no mask here"}, 400, "InvalidInputs", "No mask_token"),
        ({"inputs": {"text": 1}}, 400, "InvalidInputs", "must be a string"),
        ({"inputs": "[MASK]", "parameters": {"beam": 2}}, 400, "InvalidInputs", "not used"),
        ({"inputs": "x" * 5 * 2**20}, 413, "InputTooLarge", "limited to"),
    ],
)
def test_bad_inputs_answer_a_clear_error(hub, alice, models, body, status, code, message):
    with wire(hub, alice) as http:
        answer = http.post(f"/models/{models['fill-mask'][0]}", json=body, headers=WAIT)

    assert (answer.status_code, answer.headers["X-Error-Code"]) == (status, code)
    assert message in answer.json()["error"]


def test_concurrent_requests_for_one_model_are_answered_together(hub, alice, models):
    repo_id, folder = models["text-classification"]
    generator, _ = models["text-generation"]
    slow = {"inputs": "the quick", "parameters": {"max_new_tokens": 500, "min_new_tokens": 500}}
    texts = [f"i love this movie {'very ' * n}much" for n in range(8)]
    before = len(hub.output)

    def ask(model: str, body: dict):
        with wire(hub, alice) as http:
            http.timeout = 120
            return http.post(f"/models/{model}", json=body, headers=WAIT)

    def generating() -> int:
        found = re.findall(rf"pid (\d+) answers 1 request\(s\) for {generator}@",
                           "".join(hub.output[before:]))  # fmt: skip
        return len(set(found))

    with ThreadPoolExecutor(10) as pool:
        # Both worker processes busy with a long generation: the 8 requests wait together.
        # (A worker serving a warm model answers each request as it comes, and a tiny
        # model answers faster than this machine's web processes can send 8 requests.)
        busy = []
        for count in (1, 2):
            busy.append(pool.submit(ask, generator, slow))
            wait_until(lambda: generating() == count, timeout=60, interval=0.02,  # noqa: B023
                       message=f"{count} worker(s) to generate")  # fmt: skip
        answers = list(pool.map(lambda text: ask(repo_id, {"inputs": text}), texts))
        assert [future.result().status_code for future in busy] == [200, 200]

    direct = pipeline("text-classification", model=str(folder))
    for text, answer in zip(texts, answers, strict=True):
        assert answer.status_code == 200
        assert answer.json()[0][0]["score"] == approx(direct(text, top_k=None)[0]["score"])
    sizes = [int(n) for n in re.findall(rf"answers (\d+) request\(s\) for {repo_id}@",
                                        "".join(hub.output[before:]))]  # fmt: skip
    assert sum(sizes) == 8 and max(sizes) > 1


def test_a_worker_killed_mid_request_fails_cleanly_or_retries_and_the_next_works(
    hub, alice, models
):
    repo_id, _ = models["text-generation"]
    slow = {"inputs": "the quick", "parameters": {"max_new_tokens": 150, "min_new_tokens": 150}}
    with wire(hub, alice) as http:  # the model loaded in both worker processes
        for _ in range(2):
            http.post(f"/models/{repo_id}", json={"inputs": "warm"}, headers=WAIT)
    before, answers = len(hub.output), []

    def ask():
        with wire(hub, alice) as http:
            http.timeout = 120
            answers.append(http.post(f"/models/{repo_id}", json=slow, headers=WAIT))

    asking = threading.Thread(target=ask)
    asking.start()
    running = wait_until(
        lambda: re.search(rf"pid (\d+) answers 1 request\(s\) for {repo_id}@",
                          "".join(hub.output[before:])),  # fmt: skip
        timeout=60, interval=0.05, message="the slow request to start",
    )  # fmt: skip
    psutil.Process(int(running.group(1))).kill()
    asking.join(timeout=180)

    killed = answers[0]
    assert killed.status_code == 200 or (
        killed.status_code == 503 and killed.headers["X-Error-Code"] == "InferenceWorkerLost"
    ), killed.text
    if killed.status_code == 200:
        assert killed.json()[0]["generated_text"].startswith("the quick")
    with wire(hub, alice) as http:
        after = http.post(f"/models/{repo_id}", json={"inputs": "the quick"}, headers=WAIT)
    assert after.status_code == 200 and after.json()[0]["generated_text"].startswith("the quick")
