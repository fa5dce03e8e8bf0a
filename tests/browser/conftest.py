"""One live hub (sign-up on) and one headless Chromium for the whole browser suite: starting
either is the slow part, and CI runs the suite twice on two cores."""

import pytest
from playwright.sync_api import Browser, Page

from tests.live import ROOT, LiveHub

SCREENSHOTS = ROOT / ".test-data" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def hub(tmp_path_factory):
    live = (
        LiveHub(
            tmp_path_factory.mktemp("web-hub"),
            HUB_SIGNUP="true",
            # The webhook test's receiver listens on loopback, denied to webhooks by default.
            HUB_WEBHOOK_DENIED_NETWORKS="169.254.0.0/16",
        )
        .start()
        .add_accounts()
    )
    yield live
    live.close()


@pytest.fixture
def page(browser: Browser):
    """A fresh browser context (no cookies) at desktop width; dialogs are recorded, not run."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def screenshot(page: Page, name: str) -> None:
    """Saves the page at desktop and at phone width to .test-data/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=SCREENSHOTS / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=SCREENSHOTS / f"{name}-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def sign_in(page: Page, hub: LiveHub, name: str) -> None:
    page.goto(f"{hub.url}/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(f"pw-{name}-12345")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{hub.url}/")
