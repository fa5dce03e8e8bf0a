"""Scan verdicts on the pages, in headless Chromium: the repo page warns about an unsafe
file, the file page lists its imports with their verdicts, and a committed key is named."""

import io
import uuid

import pytest
from huggingface_hub import HfApi
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.live import wait_until

pytestmark = pytest.mark.live

EVIL = b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00idq\x00\x85q\x01Rq\x02."  # never loaded


@pytest.fixture(scope="module")
def repo_id(hub) -> str:
    api = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    repo_id = api.create_repo(f"alice/flagged-{uuid.uuid4().hex[:6]}").repo_id
    api.upload_file(path_or_fileobj=io.BytesIO(EVIL), path_in_repo="evil.pkl", repo_id=repo_id)
    api.upload_file(path_or_fileobj=b"key = AKIAIOSFODNN7EXAMPLE\n", path_in_repo="keys.txt",
                    repo_id=repo_id)  # fmt: skip
    wait_until(
        lambda: all(
            f.security["status"] != "queued" for f in api.list_repo_tree(repo_id, expand=True)
        ),
        timeout=60,
        interval=0.1,
        message="the scan of every file",
    )
    return repo_id


def test_the_repo_page_warns_about_unsafe_files(page: Page, hub, repo_id):
    page.goto(f"{hub.url}/{repo_id}")

    warning = page.get_by_role("alert")
    expect(warning).to_contain_text("flagged 1 file of this repository as unsafe")
    warning.get_by_role("link", name="evil.pkl").click()
    expect(page.locator(".imports tbody td")).to_have_text(["os", "system", "dangerous"])
    expect(page.locator(".security .badge").first).to_have_text("unsafe")
    screenshot(page, "scan-file")


def test_the_file_page_names_a_committed_secret(page: Page, hub, repo_id):
    page.goto(f"{hub.url}/{repo_id}/blob/main/keys.txt")

    expect(page.locator(".security .secrets")).to_contain_text("AWS Access Key on line 1")


def test_the_files_tab_badges_only_the_unsafe_file(page: Page, hub, repo_id):
    page.goto(f"{hub.url}/{repo_id}/tree/main")

    badges = page.locator("td.name .badge.scan")
    expect(badges).to_have_count(1)
    expect(badges).to_have_text("Unsafe")
    expect(page.locator("td.name", has=page.locator(".badge.scan"))).to_contain_text("evil.pkl")
    assert "os.system" in badges.get_attribute("title")
