import pytest

from registry.services.accounts import membership_set, org_create
from tests.personas import (  # noqa: F401  (fixtures offered to every test)
    alice_row,
    bob_row,
    charlie_row,
    make_token,
    make_user,
    tmp_storage,
)


@pytest.fixture
def acme(alice, bob):
    """Alice administers the acme organization; Bob writes to it."""
    org = org_create(name="acme", fullname="Acme Corp", creator=alice)
    membership_set(org=org, user=bob, role="write")
    return org


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every page test: Playwright's sync API allows one per thread."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
