"""Webhooks in a real Chromium: alice creates one on her settings page, sees its delivery
(status and the receiver's answer) in the log, and replays it."""

import uuid

from huggingface_hub import HfApi
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, sign_in
from tests.live import wait_until
from tests.webhooks.receiver import Receiver


def _log_shows(page: Page, text: str, count: int) -> bool:
    page.reload()
    return page.locator("table.deliveries tbody tr", has_text=text).count() >= count


def test_alice_creates_a_webhook_sees_its_delivery_and_replays_it(page: Page, hub):
    receiver = Receiver()
    repo_id = f"alice/hooked-{uuid.uuid4().hex[:6]}"
    try:
        sign_in(page, hub, "alice")
        page.goto(f"{hub.url}/settings/webhooks")
        expect(page.get_by_text("No webhooks yet.")).to_be_visible()
        page.get_by_label("Target URL").fill(receiver.url)
        page.get_by_label("Watched").fill(f"model {repo_id}")
        page.get_by_label("Secret").fill("page-secret")
        page.get_by_role("button", name="Create webhook").click()
        expect(page.get_by_text("Webhook created")).to_be_visible()
        expect(page.get_by_text("Nothing delivered yet.")).to_be_visible()

        HfApi(endpoint=hub.url, token=hub.tokens["alice"]).create_repo(repo_id)
        (delivered,) = receiver.wait_for(1)
        assert delivered.headers["X-Webhook-Secret"] == "page-secret"
        wait_until(lambda: _log_shows(page, "HTTP 200", 1), timeout=30, message="the log")
        row = page.locator("table.deliveries tbody tr").first
        expect(row).to_contain_text(repo_id)
        expect(row).to_contain_text("receiver says 200")
        expect(row.locator(".state")).to_have_text("succeeded")

        row.get_by_role("button", name="Replay").click()
        expect(page.get_by_text("Delivery replayed")).to_be_visible()
        replayed = receiver.wait_for(2)[1]
        assert replayed.payload == delivered.payload
        wait_until(lambda: _log_shows(page, "HTTP 200", 2), timeout=30, message="the replay")
        expect(page.locator("table.deliveries tbody tr").first).to_contain_text("replay")
        screenshot(page, "webhook-log")

        page.get_by_role("button", name="Disable").click()
        expect(page.locator("dl.meta .state")).to_have_text("disabled")
    finally:
        receiver.close()
