"""Users of the test database and repos on disk in a temporary directory, as fixtures.

tests/conftest.py offers them to every test. A directory whose conftest gives the live
hub's personas instead (tests/spaces) imports them by name in the files that want rows:
`from tests.personas import alice_row, charlie_row` (the fixtures `alice`, `charlie`)."""

import pytest

from registry.models import User
from registry.services.accounts import user_create
from registry.services.tokens import token_create


def make_user(name: str = "alice", **overrides) -> User:
    fields = {"password": "correct horse battery", "fullname": name.title()} | overrides
    return user_create(name=name, **fields)


def make_token(user: User, *, role: str = "write", name: str = "laptop") -> str:
    return token_create(user=user, name=name, role=role)[1]


@pytest.fixture(name="alice")
def alice_row(db) -> User:
    return make_user("alice")


@pytest.fixture(name="bob")
def bob_row(db) -> User:
    return make_user("bob")


@pytest.fixture(name="charlie")
def charlie_row(db) -> User:
    return make_user("charlie")


@pytest.fixture
def tmp_storage(settings, tmp_path):
    """Repos and the hub's data (Spaces' logs, viewer work) under the test's tmp_path."""
    settings.HUB_REPOS_DIR = tmp_path / "repos"
    settings.HUB_DATA_DIR = tmp_path
    return tmp_path
