"""The sign-in a person makes: Chromium at the hub's sign-in page, the provider's form, and
back signed in, with the org role their group gives."""

import os

import pytest
from playwright.sync_api import Browser

from tests.sso.conftest import sso_settings


@pytest.fixture(scope="module", autouse=True)
def _database_beside_playwright():
    """Playwright's sync API runs an event loop in this thread, and the hub under test is
    this process (live_server): the test's own database calls, and the database's flush
    after it, run beside that loop. Module-scoped, so it outlives that flush."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def test_a_person_signs_in_with_the_provider_in_chromium(
    browser: Browser, provider, live_server, settings, transactional_db
):
    sso_settings(settings, provider)
    provider.register(f"{live_server.url}/oidc/callback/")
    provider.user(username="kim", password="pw-idp", email="kim@corp.test", groups=["ml-team"])
    context = browser.new_context()
    page = context.new_page()

    page.goto(f"{live_server.url}/login")
    page.get_by_role("link", name="Sign in with Test IdP").click()
    page.get_by_label("Username").fill("kim")
    page.get_by_label("Password").fill("pw-idp")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")

    me = page.request.get(f"{live_server.url}/api/whoami-v2").json()
    assert me["name"] == "kim"
    assert [(org["name"], org["roleInOrg"]) for org in me["orgs"]] == [("acme", "write")]
    context.close()
