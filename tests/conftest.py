import pytest

from registry.models import User
from registry.services.accounts import membership_set, org_create, user_create
from registry.services.tokens import token_create


def make_user(name: str = "alice", **overrides) -> User:
    fields = {"password": "correct horse battery", "fullname": name.title()} | overrides
    return user_create(name=name, **fields)


def make_token(user: User, *, role: str = "write", name: str = "laptop") -> str:
    return token_create(user=user, name=name, role=role)[1]


@pytest.fixture
def alice(db) -> User:
    return make_user("alice")


@pytest.fixture
def bob(db) -> User:
    return make_user("bob")


@pytest.fixture
def charlie(db) -> User:
    return make_user("charlie")


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
