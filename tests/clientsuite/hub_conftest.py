"""conftest.py for huggingface_hub's own tests, run against a live Minihub.

The runner (test_huggingface_hub_suite.py) copies this file into the unpacked sdist's
tests/ folder as conftest.py; it is never collected by our own suite (its name is not
conftest.py here). The sdist ships no conftest, yet its tests import `RepoFactory` from it
and ask for the fixtures `api`, `api_prod` and `repo_factory`; this file provides them as
the tests use them, pointed at the hub in HF_ENDPOINT.

It also notes, per test, whether the test talked to the hub (an HTTP request to
HF_ENDPOINT's port) and which outside hosts it tried to reach, as JUnit properties the
runner reads: a test that never reached the hub says nothing about the hub.
"""

import faulthandler
import json
import os
import socket
import sys
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

# Each xdist worker gets a cache, token file and stored-tokens file of its own: test_cli and
# test_auth log in and out, which would otherwise race with the other workers' downloads.
# huggingface_hub reads HF_HOME once, at import, into `constants`; pytest imports this
# conftest before any test module, so before the library. The base comes from its own
# variable: processes the tests spawn (multiprocessing) import this file again.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
os.environ["HF_HOME"] = os.path.join(os.environ["CLIENTSUITE_HF_HOME"], _WORKER)

import httpx2  # noqa: E402
from huggingface_hub import HfApi, RepoUrl  # noqa: E402
from huggingface_hub.utils import is_package_available  # noqa: E402

from . import testing_constants  # noqa: E402
from .testing_utils import repo_name  # noqa: E402

# The tests read the hub's address from testing_constants.ENDPOINT_STAGING, imported by
# name (`from .testing_constants import ENDPOINT_STAGING`) when each test module loads.
# pytest imports this conftest before any test module of the folder, so rebinding the
# module attribute here is what every test module then imports: no file is rewritten.
HUB_URL = os.environ["HF_ENDPOINT"].rstrip("/")
testing_constants.ENDPOINT_STAGING = HUB_URL
_HUB_PORT = urlsplit(HUB_URL).port
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


# -- what each test reached -------------------------------------------------------------------


class _Reach:
    """Requests this process sent to the hub, and outside hosts it looked up."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hub_requests = 0
        self.outside_hosts: set[str] = set()

    def saw(self, url) -> None:
        if url.host in _LOCAL_HOSTS and url.port == _HUB_PORT:
            with self.lock:
                self.hub_requests += 1


_reach = _Reach()
_real_handle = httpx2.HTTPTransport.handle_request
_real_handle_async = httpx2.AsyncHTTPTransport.handle_async_request
_real_getaddrinfo = socket.getaddrinfo


# Counted where a request leaves for the network (the client keeps connections alive across
# tests, so connections say little): a test that mocks the session never gets here.
def _handle(transport, request):
    _reach.saw(request.url)
    return _real_handle(transport, request)


async def _handle_async(transport, request):
    _reach.saw(request.url)
    return await _real_handle_async(transport, request)


def _getaddrinfo(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    if name and name not in _LOCAL_HOSTS:
        with _reach.lock:
            _reach.outside_hosts.add(name)
    return _real_getaddrinfo(host, *args, **kwargs)


httpx2.HTTPTransport.handle_request = _handle
httpx2.AsyncHTTPTransport.handle_async_request = _handle_async
socket.getaddrinfo = _getaddrinfo

# Fixtures of class or module scope set up once (in the first test that needs them) and
# talk to the hub for every test that uses them, including those that only see their cached
# setup error: so a fixture that reached the hub marks each test that requests it.
_hub_fixtures: set[str] = set()


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    before = _reach.hub_requests
    yield
    if _reach.hub_requests > before:
        _hub_fixtures.add(fixturedef.argname)


# A test that hangs (a transfer that never completes) would hold its worker, and the whole
# run, forever; a stuck native call ignores signals, so the watchdog ends the worker, as
# pytest-timeout's thread method does, after writing down the test: xdist reports it as
# crashed, starts a new worker and goes on.
_TEST_TIMEOUT = float(os.environ.get("CLIENTSUITE_TEST_TIMEOUT", "180"))


def _hung(item) -> None:
    talked = _reach.hub_requests > item._hub_before
    with open(os.environ["CLIENTSUITE_HANGS"], "a") as out:
        out.write(json.dumps({"nodeid": item.nodeid, "talks_to_hub": talked}) + "\n")
    sys.stderr.write(f"\n{item.nodeid} still running after {_TEST_TIMEOUT:.0f}s:\n")
    faulthandler.dump_traceback(all_threads=True)
    os._exit(1)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    item._hub_before = _reach.hub_requests
    _reach.outside_hosts.clear()
    watchdog = threading.Timer(_TEST_TIMEOUT, _hung, args=(item,))
    watchdog.daemon = True
    watchdog.start()
    try:
        yield
    finally:
        watchdog.cancel()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # The JUnit writer takes a test's properties from its teardown report, which is made
    # after this point for the teardown phase: record before each report is built.
    talked = _reach.hub_requests > item._hub_before or bool(
        _hub_fixtures.intersection(item.fixturenames)
    )
    names = {name for name, _ in item.user_properties}
    if talked and "talks_to_hub" not in names:
        item.user_properties.append(("talks_to_hub", "1"))
    if _reach.outside_hosts and call.when == "teardown":
        item.user_properties.append(("outside_hosts", " ".join(sorted(_reach.outside_hosts))))
    yield


# -- markers ----------------------------------------------------------------------------------


def pytest_configure(config):
    # `vcr` (pytest-vcr) tags recorded-cassette tests; the sdist's marker list omits it and
    # --strict-markers would refuse the module. Those tests are also `production`, deselected.
    config.addinivalue_line("markers", "vcr: replays recorded HTTP cassettes (pytest-vcr)")


def pytest_runtest_setup(item):
    # The sdist's markers promise these skips: git-lfs end-to-end tests only when asked for,
    # no_xet tests only where hf_xet is absent, xet tests only where it is present.
    if item.get_closest_marker("git_lfs") and not os.environ.get("RUN_GIT_LFS_TESTS"):
        pytest.skip("git-lfs tests run only with RUN_GIT_LFS_TESTS set")
    if item.get_closest_marker("no_xet") and is_package_available("hf_xet"):
        pytest.skip("runs only without hf_xet installed")
    if item.get_closest_marker("xet") and not is_package_available("hf_xet"):
        pytest.skip("needs hf_xet installed")


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def api() -> HfApi:
    """The CI user __DUMMY_HUB_USER__ (admin of valid_org_hub) on the live hub."""
    return HfApi(endpoint=testing_constants.ENDPOINT_STAGING, token=testing_constants.TOKEN)


@pytest.fixture(scope="session")
def api_prod() -> HfApi:
    """Anonymous client of huggingface.co; only `production` tests ask for it (deselected)."""
    return HfApi(endpoint=testing_constants.ENDPOINT_PRODUCTION)


class RepoFactory:
    """Creates repos for one test and deletes them after it.

    `repo_factory()`, `repo_factory("dataset")`, `repo_factory(repo_id="name-or-ns/name",
    token=OTHER_TOKEN, private=True, space_sdk="static", ...)`: the first argument is the
    repo type, `repo_id` defaults to a fresh name in the token's namespace, `token` to the
    CI user's, and everything else goes to `HfApi.create_repo`. Returns its RepoUrl.
    """

    def __init__(self, api: HfApi) -> None:
        self.api = api
        self.created: list[tuple[str, str, str | None]] = []

    def __call__(
        self,
        repo_type: str = "model",
        *,
        repo_id: str | None = None,
        token: str | None = None,
        **kwargs,
    ) -> RepoUrl:
        url = self.api.create_repo(
            repo_id=repo_id or repo_name(), repo_type=repo_type, token=token, **kwargs
        )
        self.created.append((url.repo_id, repo_type, token))
        return url

    def cleanup(self) -> None:
        for repo_id, repo_type, token in reversed(self.created):
            # missing_ok: a test may have moved or deleted the repo itself.
            self.api.delete_repo(repo_id, repo_type=repo_type, token=token, missing_ok=True)


@pytest.fixture
def repo_factory(api: HfApi) -> Iterator[RepoFactory]:
    factory = RepoFactory(api)
    yield factory
    factory.cleanup()


@pytest.fixture
def new_repo_id(api: HfApi) -> Iterator[str]:
    """A fresh `__DUMMY_HUB_USER__/<name>` the test creates itself (push_to_hub); deleted after."""
    repo_id = f"{testing_constants.USER}/{repo_name()}"
    yield repo_id
    api.delete_repo(repo_id, missing_ok=True)
