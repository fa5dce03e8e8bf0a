"""Chat and completions on a worker: answers equal to `generate` on the same prompt, text
streamed token by token, stop sequences, the model's context, seeds; run in this process
the way a worker runs them (`inference_batch_run` on the request's model key)."""

import pytest
from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline

from inference import generation
from inference.chat_format import CHAT, COMPLETION, request_parse
from inference.errors import ChatTemplateMissing
from inference.services import CHAT_TASK, chat_run, inference_batch_run, model_key
from tests.inference import tiny
from workers.inference import Pending, inference_queued, inference_stream

pytestmark = pytest.mark.django_db

HELLO = [{"role": "user", "content": "where do i live"}]


@pytest.fixture
def chat_model(make_model):
    return make_model(tiny.chat_lm, "chatty")


def payload(repo, kind: str = CHAT, **body) -> dict:
    """What chat_run hands the worker for this request body."""
    found = request_parse(kind, {"model": repo.repo_id, **body}, max_new_tokens=512)
    del found["model"]
    return {**found, "repo_id": repo.repo_id, "wait_for_model": True}


def run(repo, kind: str = CHAT, **body) -> list[dict]:
    """Every message the worker sends for the request, the loading notice left out."""
    key = model_key(storage_id=str(repo.storage_id), sha=repo.head_sha, task_name=CHAT_TASK)
    with inference_queued(model=key, payload=payload(repo, kind, **body), expires_in=60) as inbox:
        inference_batch_run(claim_id="run-1", model=key)
        heard = []
        while (message := inbox.receive(0.5)) is not None:
            heard.append(message)
    return [message for message in heard if "loading" not in message]


def greedy(repo, messages: list[dict] | None = None, *, prompt: str | None = None,
           max_new_tokens: int) -> tuple[str, int]:  # fmt: skip
    """The text `generate` gives in this process, and the prompt's length in tokens."""
    tokenizer = AutoTokenizer.from_pretrained(repo.folder)
    model = AutoModelForCausalLM.from_pretrained(repo.folder)
    if prompt is None:
        inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                               return_tensors="pt", return_dict=True)  # fmt: skip
    else:
        inputs = tokenizer(prompt, return_tensors="pt")
    tokens = model.generate(**inputs, do_sample=False, max_new_tokens=max_new_tokens)
    start = inputs["input_ids"].shape[1]
    return tokenizer.decode(tokens[0][start:], skip_special_tokens=True), start


def test_a_greedy_chat_answer_is_what_generate_gives_for_the_templated_prompt(
    chat_model, fresh_cache
):
    expected, prompt_tokens = greedy(chat_model, HELLO, max_new_tokens=12)

    *_, answer = run(chat_model, messages=HELLO, temperature=0, max_tokens=12)

    assert answer["output"] == {
        "text": expected,
        "finish_reason": "length",
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": 12,
                  "total_tokens": prompt_tokens + 12},
    }  # fmt: skip


@pytest.mark.parametrize("stream", [True, False])
def test_an_answer_comes_token_by_token_and_adds_up_to_the_whole(chat_model, fresh_cache, stream):
    """Answers not streamed to the client are streamed to the web too: it sees the worker
    alive while a long answer is generated."""
    expected, _ = greedy(chat_model, HELLO, max_new_tokens=20)

    *deltas, end = run(chat_model, messages=HELLO, temperature=0, max_tokens=20, stream=stream)

    assert end["output"]["text"] == expected
    assert len(deltas) >= 10  # one per token, but for bytes held until their character ends
    streamed, at = "", 0
    for delta in deltas:
        assert delta["delta"]["at"] == at
        streamed += delta["delta"]["text"]
        at += len(delta["delta"]["text"])
    assert expected.startswith(streamed) and len(streamed) >= len(expected) - 2


def test_a_stop_sequence_ends_the_answer_just_before_it(chat_model, fresh_cache):
    expected, _ = greedy(chat_model, HELLO, max_new_tokens=20)
    stop = expected[8:10]

    *deltas, end = run(chat_model, messages=HELLO, temperature=0, max_tokens=20, stream=True,
                       stop=["never there", stop])  # fmt: skip

    assert end["output"]["text"] == expected[: expected.index(stop)]
    assert end["output"]["finish_reason"] == "stop"
    assert end["output"]["usage"]["completion_tokens"] < 20
    assert stop not in "".join(delta["delta"]["text"] for delta in deltas)


def test_a_completion_continues_the_prompt_as_generate_does(chat_model, fresh_cache):
    expected, prompt_tokens = greedy(chat_model, prompt="the quick brown", max_new_tokens=16)

    *_, answer = run(chat_model, COMPLETION, prompt="the quick brown", temperature=0)

    assert answer["output"]["text"] == expected  # 16 tokens: OpenAI's default for completions
    assert answer["output"]["usage"]["prompt_tokens"] == prompt_tokens


def test_the_same_seed_samples_the_same_answer_and_another_seed_another(chat_model, fresh_cache):
    def sample(seed: int) -> str:
        *_, answer = run(chat_model, messages=HELLO, temperature=1.0, max_tokens=20, seed=seed)
        return answer["output"]["text"]

    assert sample(7) == sample(7) != sample(8)


def test_a_prompt_longer_than_the_model_context_is_refused_with_its_token_counts(
    make_model, fresh_cache
):
    short = make_model(tiny.chat_lm, "short", positions=64)
    long_messages = [{"role": "user", "content": "the quick brown fox " * 30}]

    (too_long,) = run(short, messages=long_messages, temperature=0)
    (too_many,) = run(short, messages=HELLO, temperature=0, max_tokens=60)

    assert too_long["error"]["code"] == "ContextLengthExceeded"
    assert too_long["error"]["param"] == "messages"
    assert "maximum context length is 64 tokens" in too_long["error"]["message"]
    assert too_many["error"]["code"] == "ContextLengthExceeded"
    assert "60 in the completion" in too_many["error"]["message"]


def test_a_model_without_a_chat_template_is_refused_before_a_worker_is_asked(make_model):
    plain = make_model(tiny.chat_lm, "plain", template=False)

    with pytest.raises(ChatTemplateMissing):
        next(chat_run(repo=plain, payload=payload(plain, messages=HELLO)))


def test_a_model_without_a_chat_template_still_completes_prompts(make_model, fresh_cache):
    plain = make_model(tiny.chat_lm, "plain", template=False)

    *_, answer = run(plain, COMPLETION, prompt="the quick brown", temperature=0, max_tokens=4)

    assert answer["output"]["usage"]["completion_tokens"] == 4


def test_generation_stops_as_soon_as_nobody_listens(chat_model):
    pipe = pipeline("text-generation", model=str(chat_model.folder))
    heard = []

    def client_gone(at: int, text: str) -> bool:
        heard.append(text)
        return False

    request = payload(chat_model, messages=HELLO, temperature=0, max_tokens=50, stream=True)
    output = generation.generate(pipe, request, client_gone)

    assert len(heard) == 1 and output["usage"]["completion_tokens"] <= 2


def test_a_stream_tells_its_sender_once_the_waiting_side_hung_up(chat_model):
    with inference_queued(model="m", payload={}, expires_in=60) as inbox:
        request = Pending(inbox.id, {}, inbox.reply)
        with inference_stream(request=request) as send:
            assert send({"delta": {"at": 0, "text": "a"}})
            assert inbox.receive(5) == {"delta": {"at": 0, "text": "a"}}
            inbox.cancel()
            # A closed connection shows on a write or two after it closed.
            assert not all(send({"delta": {"at": n, "text": "b"}}) for n in range(1, 20))
