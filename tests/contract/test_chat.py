"""OpenAI's chat and completions API on a live hub, through the stock clients:
`huggingface_hub.InferenceClient(base_url=f"{hub}/v1")` and the `openai` SDK. Tiny chat
models pushed with HfApi answer what `generate` gives in this process for the same
prompt, streamed or not; the caller's token decides which models it may use."""

import re

import httpx2 as httpx
import openai
import pytest
from huggingface_hub import InferenceClient
from huggingface_hub.errors import HfHubHTTPError
from transformers import AutoModelForCausalLM, AutoTokenizer

from tests.contract.conftest import wire
from tests.contract.test_inference import push
from tests.inference import tiny
from tests.live import wait_until

pytestmark = pytest.mark.live

MESSAGES = [
    {"role": "system", "content": "you live in paris"},
    {"role": "user", "content": "where do i live?"},
]


@pytest.fixture(scope="module")
def models(hub, alice, tmp_path_factory) -> dict:
    """name -> (repo id, local folder with the same files)."""
    root = tmp_path_factory.mktemp("chat-models")
    folders = {
        "chat": tiny.chat_lm(root / "chat"),
        "private": tiny.chat_lm(root / "private"),
        "plain": tiny.chat_lm(root / "plain", template=False),
        "short": tiny.chat_lm(root / "short", positions=64),
    }
    return {
        name: (push(hub, alice, folder, name=f"tiny-{name}", private=name == "private"), folder)
        for name, folder in folders.items()
    }


def greedy(folder, messages: list[dict] | None = None, *, prompt: str | None = None,
           max_new_tokens: int) -> tuple[str, int]:  # fmt: skip
    """What `generate` gives in this process without sampling, and the prompt's tokens."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    if prompt is None:
        inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                               return_tensors="pt", return_dict=True)  # fmt: skip
    else:
        inputs = tokenizer(prompt, return_tensors="pt")
    tokens = model.generate(**inputs, do_sample=False, max_new_tokens=max_new_tokens)
    start = inputs["input_ids"].shape[1]
    return tokenizer.decode(tokens[0][start:], skip_special_tokens=True), start


def hf_client(hub, persona) -> InferenceClient:
    return InferenceClient(base_url=f"{hub.url}/v1", token=persona.token)


def openai_client(hub, persona, *, read_only: bool = False) -> openai.OpenAI:
    token = persona.read_token if read_only else persona.token
    return openai.OpenAI(base_url=f"{hub.url}/v1", api_key=token, max_retries=0)


# -- answers ------------------------------------------------------------------------------------


def test_inference_client_chat_answers_what_greedy_generate_gives(hub, alice, models):
    repo_id, folder = models["chat"]
    expected, prompt_tokens = greedy(folder, MESSAGES, max_new_tokens=16)

    answer = hf_client(hub, alice).chat_completion(MESSAGES, model=repo_id, max_tokens=16,
                                                   temperature=0)  # fmt: skip

    assert answer.choices[0].message.content == expected
    assert answer.choices[0].message.role == "assistant"
    assert answer.choices[0].finish_reason == "length"
    assert answer.model == repo_id
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (prompt_tokens, 16)
    assert answer.usage.total_tokens == prompt_tokens + 16


def test_inference_client_streams_the_same_answer_chunk_by_chunk(hub, alice, models):
    repo_id, folder = models["chat"]
    expected, _ = greedy(folder, MESSAGES, max_new_tokens=24)

    client = hf_client(hub, alice)  # it holds the stream: it must live while it is read
    chunks = list(client.chat_completion(MESSAGES, model=repo_id, max_tokens=24, temperature=0,
                                         stream=True))  # fmt: skip

    texts = [chunk.choices[0].delta.content or "" for chunk in chunks]
    assert "".join(texts) == expected
    assert len([text for text in texts if text]) >= 10  # as the tokens came, not in one piece
    assert chunks[-1].choices[0].finish_reason == "length"


def test_openai_chat_answers_what_greedy_generate_gives(hub, alice, models):
    repo_id, folder = models["chat"]
    expected, prompt_tokens = greedy(folder, MESSAGES, max_new_tokens=16)

    answer = openai_client(hub, alice).chat.completions.create(
        model=repo_id, messages=MESSAGES, max_tokens=16, temperature=0
    )

    assert answer.object == "chat.completion"
    assert answer.choices[0].message.content == expected
    assert answer.usage.prompt_tokens == prompt_tokens and answer.usage.completion_tokens == 16


def test_openai_streams_the_same_answer_then_the_usage(hub, alice, models):
    repo_id, folder = models["chat"]
    expected, prompt_tokens = greedy(folder, MESSAGES, max_new_tokens=24)

    stream = openai_client(hub, alice).chat.completions.create(
        model=repo_id, messages=MESSAGES, max_tokens=24, temperature=0, stream=True,
        stream_options={"include_usage": True},
    )  # fmt: skip
    chunks = list(stream)

    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == expected
    assert chunks[-1].choices == [] and chunks[-1].usage.prompt_tokens == prompt_tokens
    assert chunks[-2].choices[0].finish_reason == "length"


def test_openai_completions_continue_the_prompt_streamed_or_not(hub, alice, models):
    repo_id, folder = models["plain"]  # no chat template needed to complete a prompt
    expected, _ = greedy(folder, prompt="the quick brown", max_new_tokens=10)
    client = openai_client(hub, alice)

    whole = client.completions.create(model=repo_id, prompt="the quick brown", max_tokens=10,
                                      temperature=0)  # fmt: skip
    streamed = client.completions.create(model=repo_id, prompt="the quick brown", max_tokens=10,
                                         temperature=0, stream=True)  # fmt: skip

    assert whole.object == "text_completion" and whole.choices[0].text == expected
    assert "".join(chunk.choices[0].text for chunk in streamed) == expected


def test_a_stop_sequence_ends_the_answer_before_it(hub, alice, models):
    repo_id, folder = models["chat"]
    expected, _ = greedy(folder, MESSAGES, max_new_tokens=24)
    stop = expected[10:13]

    answer = openai_client(hub, alice).chat.completions.create(
        model=repo_id, messages=MESSAGES, max_tokens=24, temperature=0, stop=[stop]
    )

    assert answer.choices[0].message.content == expected[: expected.index(stop)]
    assert answer.choices[0].finish_reason == "stop"


def test_a_seed_makes_a_sampled_answer_repeatable(hub, alice, models):
    repo_id, _ = models["chat"]
    client = openai_client(hub, alice)

    def sample(seed: int) -> str:
        # top_p 1 over a tiny random model's near-flat distribution: 16 tokens drawn with two
        # seeds all but never agree, so a seed that is ignored fails the second assert.
        answer = client.chat.completions.create(model=repo_id, messages=MESSAGES, max_tokens=16,
                                                temperature=1.0, top_p=1.0, seed=seed)  # fmt: skip
        return answer.choices[0].message.content

    first = sample(42)
    assert sample(42) == first
    assert sample(7) != first


def test_a_read_token_may_chat(hub, alice, models):
    repo_id, _ = models["private"]

    answer = openai_client(hub, alice, read_only=True).chat.completions.create(
        model=repo_id, messages=MESSAGES, max_tokens=4, temperature=0
    )

    assert answer.usage.completion_tokens == 4


def test_a_client_that_hangs_up_mid_stream_stops_the_generation(hub, alice, models):
    repo_id, _ = models["chat"]
    body = {"model": repo_id, "messages": MESSAGES, "max_tokens": 500, "temperature": 0,
            "stream": True}  # fmt: skip

    with wire(hub, alice) as http, http.stream("POST", "/v1/chat/completions", json=body) as sse:
        for line in sse.iter_lines():
            if '"content": "' in line and '"content": ""' not in line:
                break  # the first token: hang up

    stopped = re.compile(rf"stopped generating for {repo_id}@\w+ after (\d+) tokens")
    found = wait_until(lambda: stopped.search("".join(hub.output)), timeout=30,
                       message="the worker to stop generating")  # fmt: skip
    assert int(found[1]) < 500


# -- which models ---------------------------------------------------------------------------------


def test_models_lists_the_chat_models_each_caller_sees(hub, alice, charlie, anonymous, models):
    private, public = models["private"][0], models["chat"][0]

    seen_by_alice = {model.id for model in openai_client(hub, alice).models.list()}
    seen_by_charlie = {model.id for model in openai_client(hub, charlie).models.list()}
    with wire(hub, anonymous) as http:
        listing = http.get("/v1/models").json()

    assert {private, public} <= seen_by_alice
    assert public in seen_by_charlie and private not in seen_by_charlie
    assert listing["object"] == "list"
    assert public in {m["id"] for m in listing["data"]} and private not in str(listing)


def test_one_model_is_read_as_openai_describes_it(hub, alice, charlie, models):
    private = models["private"][0]

    model = openai_client(hub, alice).models.retrieve(private)

    assert (model.id, model.object, model.owned_by) == (private, "model", "alice")
    with pytest.raises(openai.NotFoundError):
        openai_client(hub, charlie).models.retrieve(private)


# -- bad input ----------------------------------------------------------------------------------


def error_of(response: httpx.Response) -> dict:
    """The OpenAI error object, which has exactly these four fields."""
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    return error


def test_someone_elses_private_model_is_not_found_as_on_the_hub(hub, charlie, anonymous, models):
    private = models["private"][0]
    body = {"model": private, "messages": MESSAGES}

    with pytest.raises(openai.NotFoundError) as caught:
        openai_client(hub, charlie).chat.completions.create(**body)
    with wire(hub, anonymous) as http:
        anonymous_answer = http.post("/v1/chat/completions", json=body)

    assert caught.value.code == "model_not_found" and private in caught.value.message
    assert anonymous_answer.status_code == 401
    assert error_of(anonymous_answer)["code"] == "model_not_found"


def test_a_model_without_a_chat_template_is_a_400_naming_the_way_out(hub, alice, models):
    repo_id, _ = models["plain"]

    with pytest.raises(openai.BadRequestError) as caught:
        openai_client(hub, alice).chat.completions.create(model=repo_id, messages=MESSAGES)
    with pytest.raises(HfHubHTTPError) as hf_caught:
        hf_client(hub, alice).chat_completion(MESSAGES, model=repo_id)

    assert caught.value.code == "chat_template_missing"
    assert caught.value.type == "invalid_request_error"
    assert "/v1/completions" in caught.value.message
    assert hf_caught.value.response.status_code == 400


def test_too_many_tokens_for_the_model_is_openais_context_length_error(hub, alice, models):
    repo_id, _ = models["short"]  # 64 tokens of context
    long_text = [{"role": "user", "content": "the quick brown fox jumps " * 40}]

    with pytest.raises(openai.BadRequestError) as too_long:
        openai_client(hub, alice).chat.completions.create(model=repo_id, messages=long_text)
    with pytest.raises(openai.BadRequestError) as too_many:
        openai_client(hub, alice).chat.completions.create(
            model=repo_id, messages=MESSAGES, max_tokens=60, stream=True
        )

    assert too_long.value.code == "context_length_exceeded" and too_long.value.param == "messages"
    assert "maximum context length is 64 tokens" in too_long.value.message
    assert too_many.value.code == "context_length_exceeded"


def test_malformed_json_and_bad_fields_are_400s_with_the_error_object(hub, alice, models):
    repo_id, _ = models["chat"]

    with wire(hub, alice) as http:
        broken = http.post("/v1/chat/completions", content=b'{"model": "x", "messages": [',
                           headers={"Content-Type": "application/json"})  # fmt: skip
        hot = http.post(
            "/v1/chat/completions", json={"model": repo_id, "messages": MESSAGES, "temperature": 5}
        )
        several = http.post("/v1/chat/completions",
                            json={"model": repo_id, "messages": MESSAGES, "n": 3})  # fmt: skip
        half = http.post("/v1/chat/completions", headers={"Content-Type": "application/json"},
                         content=b'{"model": "%s", "messages": [{"role": "user", '
                         b'"content": "\\ud800"}]}' % repo_id.encode())  # fmt: skip

    assert broken.status_code == 400 and error_of(broken)["type"] == "invalid_request_error"
    assert hot.status_code == 400 and error_of(hot)["param"] == "temperature"
    assert several.status_code == 400 and error_of(several)["param"] == "n"
    assert half.status_code == 400 and "not valid Unicode" in error_of(half)["message"]
