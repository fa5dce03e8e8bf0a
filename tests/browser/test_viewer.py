"""The dataset viewer in a real Chromium, with JavaScript off: a visitor reads the first
rows with class names, switches split, searches, filters and opens the statistics."""

import uuid

import httpx2 as httpx
from huggingface_hub import HfApi
from playwright.sync_api import Browser, expect

from tests.browser.conftest import DESKTOP, screenshot
from tests.contract.helpers import card
from tests.live import wait_until

CARD = card(
    dataset_info={
        "features": [
            {"name": "text", "dtype": "string"},
            {"name": "label", "dtype": {"class_label": {"names": {"0": "neg", "1": "pos"}}}},
        ]
    }
)


def test_a_visitor_browses_a_dataset_without_javascript(browser: Browser, hub):
    api = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    repo = api.create_repo(f"alice/reviews-{uuid.uuid4().hex[:6]}", repo_type="dataset").repo_id
    for path, text in {"README.md": CARD, "data/train.csv": "text,label\ngreat fun,1\ndull,0\n",
                       "data/test.csv": "text,label\nso so,0\n"}.items():  # fmt: skip
        api.upload_file(path_or_fileobj=text.encode(), path_in_repo=path, repo_id=repo,
                        repo_type="dataset")  # fmt: skip
    wait_until(
        lambda: httpx.get(f"{hub.url}/api/datasets-server/is-valid", params={"dataset": repo})
        .json().get("viewer"),
        timeout=120, message="the conversion",
    )  # fmt: skip
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()

    page.goto(f"{hub.url}/datasets/{repo}")
    table = page.locator(".viewer-rows")
    expect(table).to_contain_text("great fun")
    expect(table).to_contain_text("pos (1)")
    screenshot(page, "dataset-viewer")

    page.get_by_label("Config and split").select_option("default/test")
    page.get_by_role("button", name="Apply").click()
    expect(table).to_contain_text("so so")
    expect(table).not_to_contain_text("great fun")

    page.goto(f"{hub.url}/datasets/{repo}")
    page.get_by_label("Search rows").fill("dull")
    page.get_by_role("button", name="Apply").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("neg (0)")

    page.get_by_label("Search rows").fill("")
    page.get_by_label("Filter rows").fill("label = 1")
    page.get_by_role("button", name="Apply").click()
    expect(table).to_contain_text("great fun")
    expect(table).not_to_contain_text("dull")

    page.get_by_role("link", name="Column statistics").click()
    expect(page.locator(".viewer-stats")).to_contain_text("class_label")
    context.close()
