"""Comparing two revisions of a real tiny model in Chromium: from the commits page to the
file list, the card diff, the config table, the tensor diff, and a data diff computed by the
hub's worker process, checked against numpy (tests/compare reads in blocks smaller than a
tensor)."""

import uuid

import httpx2 as httpx
import pytest
from huggingface_hub import HfApi
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, screenshot, sign_in
from tests.compare import tiny_model as t


@pytest.fixture(scope="module")
def model(hub) -> tuple[str, str]:
    """alice's tiny model pushed twice with huggingface_hub: (repo id, second commit id)."""
    api = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    repo = api.create_repo(f"alice/tiny-{uuid.uuid4().hex[:6]}").repo_id
    revisions = t.revisions()
    api.upload_folder(folder_path=revisions.v1, repo_id=repo, commit_message="First version")
    second = api.upload_folder(
        folder_path=revisions.v2, repo_id=repo, commit_message="Three labels",
        delete_patterns=["generation_config.json"],
    ).oid  # fmt: skip
    return repo, second


def errors_of(page: Page) -> list[str]:
    """Script errors, and requests that failed (but the favicon, which the hub does not have
    yet: another change adds it)."""
    found: list[str] = []
    page.on("pageerror", lambda e: found.append(str(e)))
    page.on(
        "console",
        lambda m: (
            found.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            found.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    return found


def test_alice_compares_a_commit_with_its_parent_and_asks_for_the_data_diff(page, hub, model):
    repo, second = model
    console = errors_of(page)
    sign_in(page, hub, "alice")

    page.goto(f"{hub.url}/{repo}/commits/main")
    page.get_by_role("link", name=f"Compare {second[:7]} with its parent").click()

    expect(page.get_by_role("heading", name="Comparing")).to_be_visible()
    files = page.locator(".compare-files")
    for path in ("README.md", "config.json", "model.safetensors", "generation_config.json"):
        expect(files.get_by_role("link", name=path, exact=True)).to_be_visible()
    expect(page.locator("pre.diff-body .add")).to_contain_text(
        ["+A tiny classifier, now with three labels."]
    )
    expect(page.locator(".config-diff tr.changed", has_text="id2label.1")).to_contain_text(
        "NEUTRAL"
    )
    expect(page.locator(".tensor-diff tr", has_text="reshaped")).to_contain_text(t.RESHAPED)
    expect(page.locator(".tensor-diff tr", has_text="retyped")).to_contain_text("F16")

    page.get_by_role("button", name="Compare tensor data").click()
    row = page.locator(f'tr[data-tensor="{t.CHANGED}"]')
    expect(row).to_be_visible(timeout=60_000)

    changed, max_abs, max_rel = t.expected_stats(t.revisions(), t.CHANGED)
    cells = row.locator("td")
    assert float(cells.nth(2).get_attribute("data-max-abs")) == pytest.approx(max_abs, rel=1e-12)
    assert float(cells.nth(3).get_attribute("data-max-rel")) == pytest.approx(max_rel, rel=1e-12)
    expect(cells.nth(1)).to_have_text(f"{changed} of 1024")
    screenshot(page, "compare")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert console == []
    spec = page.url.rsplit("/compare/", 1)[1].split("#")[0]
    answer = httpx.get(
        f"{hub.url}/api/models/{repo}/compare/{spec}",
        headers={"Authorization": f"Bearer {hub.tokens['alice']}"},
    ).json()
    weights = next(f for f in answer["files"] if f["path"] == t.WEIGHTS)
    changed = {row["name"]: row["changed"] for row in weights["data"]["tensors"]}
    assert changed[t.ALSO_CHANGED] == t.expected_stats(t.revisions(), t.ALSO_CHANGED)[0]
