"""Comments edited and hidden in a real Chromium: charlie edits his comment, alice (the repo's
owner) hides it, and every reader then sees "This comment has been hidden"."""

import uuid

from huggingface_hub import HfApi
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, sign_in


def test_charlie_edits_his_comment_and_alice_hides_it(page: Page, hub):
    alice = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    charlie = HfApi(endpoint=hub.url, token=hub.tokens["charlie"])
    repo_id = alice.create_repo(f"alice/talk-{uuid.uuid4().hex[:6]}").repo_id
    opened = charlie.create_discussion(repo_id, title="Question", description="Frist post")
    url = f"{hub.url}/{repo_id}/discussions/{opened.num}"

    sign_in(page, hub, "charlie")
    page.goto(url)
    page.get_by_text("Edit", exact=True).click()
    page.get_by_label("Edit comment").fill("First post, spelled right")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("div.comment")).to_have_text("First post, spelled right")
    expect(page.locator(".edited")).to_have_text("(edited)")

    page.context.clear_cookies()
    sign_in(page, hub, "alice")
    page.goto(url)
    expect(page.get_by_text("Edit", exact=True)).to_have_count(0)  # not her comment
    page.get_by_role("button", name="Hide").click()
    expect(page.locator(".hidden-comment")).to_contain_text("This comment has been hidden")
    screenshot(page, "discussion-hidden-comment")

    page.context.clear_cookies()
    page.goto(url)
    expect(page.locator(".hidden-comment")).to_contain_text("This comment has been hidden")
    expect(page.get_by_text("spelled right")).to_have_count(0)
    expect(page.get_by_role("button", name="Hide")).to_have_count(0)
