"""What the web side of OpenAI's API accepts and answers, before any worker runs."""

import pytest

from inference.chat_format import CHAT, COMPLETION, Answer, openai_error, request_parse
from inference.errors import ContextLengthExceeded, InvalidInputs
from registry.errors import RepoNotFound

HELLO = [{"role": "user", "content": "hi"}]


def parse(kind: str = CHAT, **body) -> dict:
    return request_parse(kind, {"model": "alice/chat", **body}, max_new_tokens=512)


def refused(**body) -> str:
    """The `param` of the 400 a chat request with `body` gets."""
    with pytest.raises(InvalidInputs) as caught:
        parse(**body)
    return caught.value.param


def test_a_chat_request_becomes_the_workers_payload():
    payload = parse(messages=HELLO, max_tokens=8, temperature=0, top_p=0.5, stop="\n", seed=3,
                    stream=True, stream_options={"include_usage": True})  # fmt: skip

    assert payload == {
        "model": "alice/chat", "kind": "chat", "messages": HELLO, "max_tokens": 8,
        "temperature": 0, "top_p": 0.5, "stop": ["\n"], "seed": 3, "stream": True,
        "include_usage": True,
    }  # fmt: skip


def test_text_parts_are_joined_and_the_newer_max_completion_tokens_is_read():
    parts = [{"role": "user", "content": [{"type": "text", "text": "a"},
                                          {"type": "text", "text": "b"}]}]  # fmt: skip

    payload = parse(messages=parts, max_completion_tokens=5)

    assert payload["messages"] == [{"role": "user", "content": "a\nb"}]
    assert payload["max_tokens"] == 5


def test_completions_default_to_sixteen_new_tokens_as_openai():
    assert parse(COMPLETION, prompt="once upon")["max_tokens"] == 16
    assert parse(COMPLETION, prompt=["once upon"])["prompt"] == "once upon"


def test_fields_the_hub_would_ignore_are_refused_by_name():
    assert refused(messages=HELLO, n=2) == "n"
    assert refused(messages=HELLO, tools=[{"type": "function"}]) == "tools"
    assert refused(messages=HELLO, response_format={"type": "json_object"}) == "response_format"
    assert refused(messages=HELLO, logprobs=True) == "logprobs"
    assert refused(messages=HELLO, presence_penalty=0.5) == "presence_penalty"


def test_their_neutral_values_are_accepted():
    payload = parse(messages=HELLO, n=1, logprobs=False, presence_penalty=0, tool_choice="none",
                    response_format={"type": "text"}, user="someone")  # fmt: skip

    assert payload["messages"] == HELLO


def test_bad_values_are_refused_by_name():
    assert refused(messages=[]) == "messages"
    assert refused(messages=[{"role": "robot", "content": "x"}]) == "messages[0]"
    assert refused(messages=[{"role": "user", "content": [{"type": "image_url"}]}]) == (
        "messages[0].content"
    )
    assert refused(messages=HELLO, temperature=3) == "temperature"
    assert refused(messages=HELLO, top_p=0) == "top_p"
    assert refused(messages=HELLO, max_tokens=513) == "max_tokens"
    assert refused(messages=HELLO, max_tokens=True) == "max_tokens"
    assert refused(messages=HELLO, stop=["a", "b", "c", "d", "e"]) == "stop"
    assert refused(messages=HELLO, seed="7") == "seed"
    assert refused(messages=HELLO, stream="yes") == "stream"
    with pytest.raises(InvalidInputs) as caught:
        request_parse(CHAT, {"messages": HELLO}, max_new_tokens=512)
    assert caught.value.param == "model"


def test_errors_become_openais_error_object_with_the_hubs_status():
    too_long = openai_error(ContextLengthExceeded("too long", param="messages"))
    unseen = openai_error(RepoNotFound("The model `x/y` does not exist", anonymous=True))

    assert (too_long.status, too_long.body) == (400, {"error": {
        "message": "too long", "type": "invalid_request_error", "param": "messages",
        "code": "context_length_exceeded",
    }})  # fmt: skip
    assert unseen.status == 401
    assert unseen.body["error"]["code"] == "model_not_found"
    assert unseen.body["error"]["type"] == "authentication_error"


def test_a_stream_started_over_after_its_worker_died_sends_each_character_once():
    answer = Answer(CHAT, "alice/chat", "0" * 40)
    deltas = [(0, "ab"), (2, "cd"), (0, "ab"), (2, "cd"), (4, "e")]

    sent = [answer.unsent(at, text) for at, text in deltas]

    assert sent == ["ab", "cd", "", "", "e"]
    assert answer.unsent(0, "abcdef") == "f"  # the final text: only what is still unsent
