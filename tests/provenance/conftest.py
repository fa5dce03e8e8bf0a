from concurrent.futures import ThreadPoolExecutor

import pytest
from huggingface_hub import HfApi

from tests.live import LiveHub
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


@pytest.fixture(scope="session")
def live_key(tmp_path_factory):
    """A signing key the live destination hub trusts (its private half beside the public)."""
    return key_make(tmp_path_factory.mktemp("live-trust-roots"), "team")


@pytest.fixture(scope="session")
def hubs(tmp_path_factory, live_key):
    """A source hub and a destination hub (syncing every second, trusting `live_key`),
    started side by side: the import and the signature tests share them."""
    roots = live_key.parent
    live = [LiveHub(tmp_path_factory.mktemp("source-hub")),
            LiveHub(tmp_path_factory.mktemp("dest-hub"), HUB_IMPORT_SYNC_INTERVAL="1",
                    HUB_SIGNING_TRUST_ROOTS=str(roots))]  # fmt: skip
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda hub: hub.start().add_accounts(), live))
    yield live
    for hub in live:
        hub.close()


@pytest.fixture(scope="session")
def source(hubs):
    return hubs[0]


@pytest.fixture(scope="session")
def dest(hubs):
    return hubs[1]


def api(hub: LiveHub) -> HfApi:
    return HfApi(endpoint=hub.url, token=hub.tokens["alice"])


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies): an anonymous visitor."""
    context = browser.new_context()
    yield context.new_page()
    context.close()
