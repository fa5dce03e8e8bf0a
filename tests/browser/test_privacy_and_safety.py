"""Charlie, an outsider, browses the hub in a real Chromium: Alice's private repo leaves no
trace on any page, her hostile card runs nothing, and the repo page works from the keyboard."""

import re

import pytest
from huggingface_hub import HfApi, constants
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, sign_in

EVIL_CARD = """---
license: mit
---
# Perfectly normal model

<script>window.pwned = 'script'; alert('script')</script>
<img src="x" onerror="window.pwned = 'onerror'; alert('img')">
<a id="js-link" href="javascript:window.pwned='link';alert('link')">click me</a>
[markdown link](javascript:alert('markdown'))
<iframe srcdoc="<script>parent.pwned = 'iframe'</script>"></iframe>
<svg onload="window.pwned = 'svg'"><circle r="5"/></svg>
<details open ontoggle="window.pwned = 'toggle'"><summary>More</summary>text</details>
<form action="http://127.0.0.1:9/steal"><input name="password"><button>Log in</button></form>
<div style="position:fixed;inset:0;background:red" class="topbar">overlay</div>
"""
SECRET_PAGES = [
    "",
    "/tree/main",
    "/blob/main/README.md",
    "/raw/main/README.md",
    "/commits/main",
    "/discussions",
    "/settings",
    "/upload/main",
]


@pytest.fixture(scope="module")
def alice_repos(hub):
    api = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(constants, "HF_HUB_DISABLE_XET", True)
        api.create_repo("alice/secret-model", private=True)
        api.upload_file(
            path_or_fileobj=b"# Secret model\n",
            path_in_repo="README.md",
            repo_id="alice/secret-model",
        )
        api.create_repo("alice/friendly-model")
        api.upload_file(
            path_or_fileobj=EVIL_CARD.encode(),
            path_in_repo="README.md",
            repo_id="alice/friendly-model",
        )


def _assert_no_trace(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("main")).not_to_contain_text("secret-model")


def test_charlie_sees_no_trace_of_alices_private_repo(hub, page, alice_repos):
    sign_in(page, hub, "charlie")
    for path in ["/", "/models", "/models?search=secret", "/search?q=secret", "/alice"]:
        _assert_no_trace(page, hub.url + path)
    for suffix in SECRET_PAGES:
        response = page.goto(f"{hub.url}/alice/secret-model{suffix}")
        assert response.status == 404, suffix
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    screenshot(page, "not-found")


def test_a_hostile_card_renders_inert(hub, page, alice_repos):
    page.goto(f"{hub.url}/alice/friendly-model")
    expect(page.locator(".markdown h1")).to_have_text("Perfectly normal model")
    card = page.locator(".markdown")
    expect(card.locator("script, iframe, svg, form, input, [style]")).to_have_count(0)
    assert (
        card.evaluate(
            "c => [...c.querySelectorAll('*')].flatMap(e => [...e.attributes])"
            ".filter(a => a.name.startsWith('on') || /^javascript:/i.test(a.value))"
            ".length"
        )
        == 0
    )
    card.get_by_text("click me").click()
    card.get_by_text("markdown link").click()
    expect(page).to_have_url(f"{hub.url}/alice/friendly-model")
    assert page.evaluate("window.pwned") is None
    assert page.dialogs == []
    screenshot(page, "hostile-card")


def test_the_repo_page_works_from_the_keyboard(hub, page, alice_repos):
    page.goto(f"{hub.url}/alice/friendly-model")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Files and versions":
            break
    expect(page.get_by_role("link", name="Files and versions")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/alice/friendly-model/tree/main$"))
    expect(page.get_by_role("link", name="README.md", exact=True)).to_be_visible()
