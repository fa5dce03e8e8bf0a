import pytest

from tests.provenance.signing import key_make


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.HUB_REPOS_DIR = tmp_path / "repos"
    settings.HUB_DATA_DIR = tmp_path
    settings.HUB_SIGNING_TRUST_ROOTS = tmp_path / "trust-roots"
    settings.HUB_SIGNING_TRUST_ROOTS.mkdir()


@pytest.fixture
def roots(settings):
    return settings.HUB_SIGNING_TRUST_ROOTS


@pytest.fixture
def team_key(roots):
    """A key the hub trusts: its public half in the trust roots."""
    return key_make(roots, "team")


@pytest.fixture
def stranger_key(tmp_path):
    """A key the hub does not trust."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return key_make(folder, "stranger")
