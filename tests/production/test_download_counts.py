"""Download counts under load: a repeated download reads, never writes, so downloads do not
queue behind the embedded database's one writer, and the counts stay what the API shows."""

import sqlite3

import httpx2 as httpx
import pytest
from huggingface_hub import HfApi

from tests.live import production_backends
from tests.production.conftest import start_hub

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(production_backends(), reason="SQLite's write lock: embedded default"),
]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    live = start_hub(tmp_path_factory.mktemp("counts"))
    yield live
    live.close()


def downloads(api: HfApi, repo: str) -> int:
    return api.model_info(repo).downloads


def test_a_repeated_download_is_served_while_another_process_holds_the_write_lock(hub):
    api = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    repo = api.create_repo("counted").repo_id
    api.upload_file(path_or_fileobj=b"{}", path_in_repo="config.json", repo_id=repo)
    url = f"{hub.url}/{repo}/resolve/main/config.json"
    assert httpx.get(url, timeout=30).status_code == 200  # counted: the first in 5 minutes

    # A writer (a commit, a worker) holds SQLite's lock for longer than the client waits.
    writer = sqlite3.connect(hub.data_dir / "hub.sqlite3", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        repeats = [httpx.get(url, timeout=10) for _ in range(3)]
    finally:
        writer.execute("ROLLBACK")
        writer.close()

    assert [(r.status_code, r.content) for r in repeats] == [(200, b"{}")] * 3
    assert downloads(api, repo) == 1
