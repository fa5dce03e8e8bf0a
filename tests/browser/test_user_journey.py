"""A new user's first hour on the hub, in a real Chromium: sign up, create a model repo,
upload a folder with a 20 MB file, read the card, browse, edit, search, and use a token."""

import hashlib
import os
import re

from huggingface_hub import HfApi
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot

BIG = 20 * 1024 * 1024
CARD = """---
license: apache-2.0
language: [en]
tags: [browser-test]
---
# Tiny classifier

A model uploaded **from the browser**.

| split | accuracy |
|-------|----------|
| test  | 0.93     |
"""

# Records every value each progress bar takes, so a fast local upload still shows whether
# the bar moved through intermediate values rather than jumping to the end.
_WATCH_PROGRESS = """() => {
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.target.tagName !== 'PROGRESS') continue;
      window.reportProgress(r.target.getAttribute('aria-label'), Number(r.target.value));
    }
  }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['value']});
}"""


def _folder(tmp_path) -> tuple[os.PathLike, str]:
    root = tmp_path / "tiny-classifier"
    (root / "weights").mkdir(parents=True)
    (root / "README.md").write_text(CARD)
    (root / "config.json").write_text('{"hidden_size": 8}\n')
    big = os.urandom(BIG)
    (root / "weights" / "model.bin").write_bytes(big)
    return root, hashlib.sha256(big).hexdigest()


def _sign_up(page: Page, url: str) -> None:
    page.goto(f"{url}/join")
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password", exact=True).fill("a long browser password")
    page.get_by_label("Password again").fill("a long browser password")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".menu summary")).to_have_text("dana")


def _create_repo(page: Page, url: str) -> None:
    page.goto(f"{url}/new")
    page.get_by_label("Name").fill("tiny-classifier")
    page.get_by_role("button", name="Create repository").click()
    page.wait_for_url(f"{url}/dana/tiny-classifier")


def _upload_folder(page: Page, url: str, folder) -> dict[str, list[float]]:
    """Uploads `folder`; returns every value each progress bar showed on the way."""
    seen: dict[str, list[float]] = {}
    page.expose_function(
        "reportProgress", lambda key, value: seen.setdefault(key, []).append(value)
    )
    page.goto(f"{url}/dana/tiny-classifier/upload/main")
    page.evaluate(_WATCH_PROGRESS)
    page.get_by_label("Files").set_input_files([folder / "README.md", folder / "config.json"])
    page.get_by_label("Folder").set_input_files(folder / "weights")
    expect(page.locator("#upload-list li")).to_have_count(3)
    page.get_by_label("Commit message").fill("Upload the classifier")
    screenshot(page, "upload")
    page.get_by_role("button", name="Commit files").click()
    page.wait_for_url(re.compile(r".*/dana/tiny-classifier/commit/[0-9a-f]{40}$"), timeout=120_000)
    return seen


def test_a_new_user_uploads_reads_edits_finds_and_scripts_a_model(hub, page, tmp_path):
    folder, big_sha = _folder(tmp_path)
    _sign_up(page, hub.url)
    _create_repo(page, hub.url)
    seen = _upload_folder(page, hub.url, folder)

    big_bar = seen["Progress of weights/model.bin"]
    assert any(0 < value < 100 for value in big_bar) and big_bar[-1] == 100
    expect(page.locator(".commit-head h2")).to_have_text("Upload the classifier")
    screenshot(page, "commit")

    page.goto(f"{hub.url}/dana/tiny-classifier")
    expect(page.locator(".markdown h1")).to_have_text("Tiny classifier")
    expect(page.locator(".markdown table td").first).to_have_text("test")
    expect(page.locator(".tags")).to_contain_text("license:apache-2.0")
    screenshot(page, "card")

    page.get_by_role("link", name="Files and versions").click()
    page.get_by_role("link", name="weights", exact=True).click()
    expect(page.locator("table.files")).to_contain_text("20.0 MB")
    screenshot(page, "tree")
    page.get_by_role("link", name="model.bin", exact=True).click()
    expect(page.locator(".lfsinfo")).to_contain_text(big_sha)
    expect(page.get_by_role("link", name="Download 20.0 MB")).to_be_visible()
    screenshot(page, "blob-lfs")

    page.goto(f"{hub.url}/dana/tiny-classifier/edit/main/README.md")
    page.get_by_label("Content").fill(CARD.replace("# Tiny classifier", "# Tiny classifier v2"))
    page.get_by_label("Commit message").fill("Rename the card")
    page.get_by_role("button", name="Commit changes").click()
    expect(page.locator(".commit-head h2")).to_have_text("Rename the card")
    expect(page.locator(".diff-body .add")).to_contain_text(["+# Tiny classifier v2"])
    page.goto(f"{hub.url}/dana/tiny-classifier/commits/main")
    expect(page.locator(".commit-title").first).to_have_text("Rename the card")

    page.goto(f"{hub.url}/models")
    page.get_by_label("Filter by name").press_sequentially("tiny-cl")
    expect(page).to_have_url(re.compile(r"search=tiny-cl"))
    expect(page.locator("#results")).to_contain_text("dana/tiny-classifier")
    screenshot(page, "models")

    page.goto(f"{hub.url}/settings/tokens")
    page.get_by_label("Token name").fill("laptop")
    page.get_by_label("Write", exact=True).check()
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").inner_text()
    assert HfApi(endpoint=hub.url, token=token).whoami()["name"] == "dana"
    screenshot(page, "tokens")
    page.goto(hub.url)
    screenshot(page, "home")
