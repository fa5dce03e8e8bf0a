"""Collections in a real Chromium: alice creates one, adds repos and a paper by id, notes and
reorders them, and finds it on her profile; a visitor sees it without her private repo."""

import uuid

from huggingface_hub import HfApi
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, screenshot, sign_in


def _add(page: Page, kind: str, item_id: str, note: str = "") -> None:
    page.get_by_label("Type").select_option(kind)
    page.get_by_label("Item:", exact=True).fill(item_id)
    page.get_by_label("Note:", exact=True).fill(note)
    page.get_by_role("button", name="Add to collection").click()
    expect(page.locator(".message")).to_contain_text(f"Added {item_id}")


def test_alice_curates_a_collection_and_finds_it_on_her_profile(page: Page, browser: Browser, hub):
    api = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    suffix = uuid.uuid4().hex[:6]
    model = api.create_repo(f"alice/bert-{suffix}").repo_id
    dataset = api.create_repo(f"alice/squad-{suffix}", repo_type="dataset").repo_id
    secret = api.create_repo(f"alice/secret-{suffix}", private=True).repo_id
    title = f"Reading list {suffix}"
    sign_in(page, hub, "alice")

    page.goto(f"{hub.url}/collections/alice")
    page.get_by_role("link", name="New collection").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill("What I build on")
    page.get_by_role("button", name="Create collection").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()

    _add(page, "model", model, note="The base model")
    _add(page, "dataset", dataset)
    _add(page, "paper", "1810.04805")
    _add(page, "model", secret)
    links = page.locator("#items .repo-link")
    expect(links).to_have_text([model, dataset, "1810.04805", secret])
    expect(page.get_by_role("link", name="1810.04805")).to_have_attribute(
        "href", "https://arxiv.org/abs/1810.04805"
    )

    page.get_by_role("button", name="Move item 2 up").click()
    expect(links).to_have_text([dataset, model, "1810.04805", secret])
    page.get_by_role("button", name="Move item 2 down").click()
    expect(links).to_have_text([dataset, "1810.04805", model, secret])
    page.get_by_label("Note on item 1").fill("Fine-tuned on it")
    page.locator("#items li").nth(0).get_by_role("button", name="Save note").click()
    expect(page.locator("#items li").nth(0).locator(".note")).to_have_text("Fine-tuned on it")
    expect(page.locator("#items li").nth(2).locator(".note")).to_have_text("The base model")
    screenshot(page, "collection")

    page.goto(f"{hub.url}/alice")
    page.get_by_role("link", name=title).click()
    expect(page.locator(".repo-header")).to_contain_text("What I build on")
    collection_url = page.url

    visitor = browser.new_context(viewport=DESKTOP)
    anonymous = visitor.new_page()
    anonymous.goto(collection_url)
    expect(anonymous.locator("#items .repo-link")).to_have_text([dataset, "1810.04805", model])
    expect(anonymous.get_by_role("button", name="Add to collection")).to_have_count(0)
    visitor.close()

    page.goto(collection_url)
    page.get_by_label("Private").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".repo-title .badge.private")).to_be_visible()
    visitor = browser.new_context(viewport=DESKTOP)
    anonymous = visitor.new_page()
    assert anonymous.goto(collection_url).status == 404
    anonymous.goto(f"{hub.url}/alice")
    expect(anonymous.get_by_role("link", name=title)).to_have_count(0)
    visitor.close()
