"""The chat widget on a model page, in headless Chromium: a conversation with a tiny chat
model, answered through /v1/chat/completions as a stream, equal to greedy `generate` on
the whole conversation."""

import uuid

import pytest
from huggingface_hub import HfApi
from playwright.sync_api import Page, expect
from transformers import AutoModelForCausalLM, AutoTokenizer

from tests.browser.conftest import screenshot, sign_in
from tests.inference import tiny

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def models(hub, tmp_path_factory) -> dict:
    """name -> (repo id, folder): alice's public and private chat models, and one without a
    chat template."""
    root, found = tmp_path_factory.mktemp("chat-widget"), {}
    api = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    for name, private, template in (("public", False, True), ("private", True, True),
                                    ("plain", False, False)):  # fmt: skip
        folder = tiny.chat_lm(root / name, template=template)
        repo_id = api.create_repo(f"alice/chat-{name}-{uuid.uuid4().hex[:6]}",
                                  private=private).repo_id  # fmt: skip
        api.upload_folder(folder_path=folder, repo_id=repo_id)
        found[name] = (repo_id, folder)
    return found


def greedy(folder, messages: list[dict], max_new_tokens: int) -> str:
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                           return_tensors="pt", return_dict=True)  # fmt: skip
    tokens = model.generate(**inputs, do_sample=False, max_new_tokens=max_new_tokens)
    return tokenizer.decode(tokens[0][inputs["input_ids"].shape[1] :], skip_special_tokens=True)


def say(page: Page, text: str) -> str:
    """Sends `text` greedily for 12 tokens; the model's answer once it has all come."""
    page.get_by_label("Message").fill(text)
    page.get_by_label("Max new tokens").fill("12")
    page.get_by_label("Temperature (0: greedy)").fill("0")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".iw-pending")).to_have_count(0, timeout=60_000)
    return page.locator(".iw-assistant .iw-content").last.text_content()


def test_a_visitor_chats_with_a_public_model_turn_after_turn(hub, page, models):
    repo_id, folder = models["public"]
    page.goto(f"{hub.url}/{repo_id}")

    first = say(page, "where do i live?")
    second = say(page, "and my name?")

    conversation = [{"role": "user", "content": "where do i live?"}]
    assert first == greedy(folder, conversation, 12)
    conversation += [{"role": "assistant", "content": first},
                     {"role": "user", "content": "and my name?"}]  # fmt: skip
    assert second == greedy(folder, conversation, 12)
    assert page.locator(".iw-user .iw-content").all_text_contents() == [
        "where do i live?", "and my name?",
    ]  # fmt: skip
    screenshot(page, "chat-widget")


def test_alice_signed_in_chats_with_her_private_model(hub, page, models):
    repo_id, folder = models["private"]
    sign_in(page, hub, "alice")
    page.goto(f"{hub.url}/{repo_id}")

    answer = say(page, "where do i live?")

    assert answer == greedy(folder, [{"role": "user", "content": "where do i live?"}], 12)
    expect(page.locator(".iw-error")).to_have_count(0)


def test_a_model_without_a_chat_template_keeps_the_prompt_widget(hub, page, models):
    repo_id, _ = models["plain"]

    page.goto(f"{hub.url}/{repo_id}")

    expect(page.locator("textarea[name=text]")).to_be_visible()
    expect(page.locator(".iw-chat")).to_have_count(0)
