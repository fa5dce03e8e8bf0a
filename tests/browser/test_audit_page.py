"""The audit log page in a real Chromium: an organization's admin filters its events down to
charlie's downloads of a private model and downloads them as JSON Lines; charlie, a
member but no admin, is refused the page."""

import json
import uuid
from pathlib import Path

import httpx2 as httpx
from huggingface_hub import HfApi
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, sign_in
from tests.live import wait_until


def _rows(page: Page, text: str) -> int:
    page.reload()
    return page.locator("table.grid tbody tr", has_text=text).count()


def test_an_admin_filters_the_audit_log_and_downloads_it_as_json_lines(page: Page, hub):
    org = f"audited-{uuid.uuid4().hex[:6]}"
    hub.manage("createorg", org, "--member", "alice:admin", "--member", "charlie:read")
    repo_id = f"{org}/weights"
    api = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    api.create_repo(repo_id, private=True)
    api.upload_file(path_or_fileobj=b"0123456789", path_in_repo="config.json", repo_id=repo_id)
    headers = {"Authorization": f"Bearer {hub.tokens['charlie']}"}
    for _ in range(2):
        httpx.get(f"{hub.url}/{repo_id}/resolve/main/config.json", headers=headers)

    sign_in(page, hub, "alice")
    page.goto(f"{hub.url}/organizations/{org}/audit")
    page.get_by_label("Actor").fill("charlie")
    page.get_by_label("Action").fill("repo.read")
    page.get_by_role("button", name="Filter").click()
    wait_until(lambda: _rows(page, "config.json") == 2, timeout=30, message="charlie's reads")
    row = page.locator("table.grid tbody tr").first
    expect(row).to_contain_text("charlie")
    expect(row).to_contain_text(repo_id)
    expect(row).to_contain_text("127.0.0.1")
    screenshot(page, "audit-log")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download JSON Lines").click()
    lines = [json.loads(line) for line in Path(download.value.path()).read_text().splitlines()]
    assert [(e["actor"], e["path"], e["bytes"]) for e in lines] == [
        ("charlie", "config.json", 10)
    ] * 2


def test_a_member_who_is_not_an_admin_is_refused_the_audit_page(page: Page, hub):
    org = f"refused-{uuid.uuid4().hex[:6]}"
    hub.manage("createorg", org, "--member", "alice:admin", "--member", "charlie:write")
    sign_in(page, hub, "charlie")
    answer = page.goto(f"{hub.url}/organizations/{org}/audit")
    assert answer.status == 403
    expect(page.get_by_text(f"Only admins of {org} read its audit log")).to_be_visible()
