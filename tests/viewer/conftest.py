import pytest

from registry.models import User
from tests.conftest import make_user


# Users of the test database (the contract suite's personas are a live hub's).
@pytest.fixture
def alice(db) -> User:
    return make_user("alice")


@pytest.fixture
def charlie(db) -> User:
    return make_user("charlie")


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.HUB_REPOS_DIR = tmp_path / "repos"
    settings.HUB_DATA_DIR = tmp_path
