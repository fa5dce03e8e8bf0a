"""Limits a shared hub needs: request bodies, object sizes, storage quotas and API rates, each
refused with the status and error code the real clients show or act on."""

import os
import re
import uuid

import httpx2 as httpx
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

from tests.contract.gitcli import GitCli, remote
from tests.live import wait_until
from tests.production.conftest import MiB, start_hub

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    live = start_hub(
        tmp_path_factory.mktemp("limits"),
        HUB_MAX_REQUEST_BYTES=str(1 * MiB),
        HUB_MAX_OBJECT_BYTES=str(2 * MiB),
        HUB_STORAGE_QUOTA_BYTES=str(3 * MiB),
    )
    yield live
    live.close()


@pytest.fixture(scope="module")
def limited_hub(tmp_path_factory):
    """Two API calls per token and one per address without a token, every 4 seconds."""
    live = start_hub(
        tmp_path_factory.mktemp("rate"),
        HUB_RATE_LIMIT_PER_MINUTE="30",
        HUB_RATE_LIMIT_ANONYMOUS_PER_MINUTE="15",
        HUB_RATE_LIMIT_WINDOW_SECONDS="4",
    )
    yield live
    live.close()


def new_repo(hub, user: str) -> tuple[HfApi, str]:
    api = HfApi(endpoint=hub.url, token=hub.tokens[user])
    return api, api.create_repo(f"limits-{uuid.uuid4().hex[:8]}").repo_id


def test_a_commit_over_the_request_body_limit_is_refused_with_413(hub):
    api, repo = new_repo(hub, "alice")

    with pytest.raises(HfHubHTTPError) as refused:
        api.upload_file(path_or_fileobj=b"a" * 900_000, path_in_repo="big.txt", repo_id=repo)

    assert refused.value.response.status_code == 413
    assert refused.value.response.headers["X-Error-Code"] == "PayloadTooLarge"
    assert api.list_repo_files(repo) == [".gitattributes"]


def test_a_chunked_push_over_the_limit_is_cut_off_and_moves_nothing(hub, tmp_path):
    api, repo = new_repo(hub, "alice")
    git = GitCli(tmp_path / "home")
    git("clone", "--quiet", remote(hub, repo, token=hub.tokens["alice"]), str(tmp_path / "w"))
    # Incompressible and over git's 1 MiB http.postBuffer: git sends it chunked.
    git.commit_files(tmp_path / "w", {"data.txt": os.urandom(1536 * 1024).hex().encode()}, "big")
    before, seen = api.repo_info(repo).sha, len(hub.output)

    pushed = git("push", "origin", "main", cwd=tmp_path / "w", check=False)

    assert pushed.returncode != 0
    assert api.repo_info(repo).sha == before
    assert "Request body too large" in "".join(hub.output[seen : hub.log_mark()])


def test_an_object_over_the_object_limit_is_refused_at_the_batch(hub):
    api, repo = new_repo(hub, "alice")

    with pytest.raises(HfHubHTTPError) as refused:
        api.upload_file(path_or_fileobj=os.urandom(3 * MiB), path_in_repo="w.bin", repo_id=repo)

    assert refused.value.response.status_code == 413
    assert "at most 2097152 bytes" in refused.value.response.headers["X-Error-Message"]


def test_the_storage_quota_counts_each_object_once_and_refuses_past_it(hub):
    api, first = new_repo(hub, "charlie")
    second = api.create_repo(f"limits-{uuid.uuid4().hex[:8]}").repo_id
    shared, more, too_much = (os.urandom(3 * MiB // 2) for _ in range(3))
    api.upload_file(path_or_fileobj=shared, path_in_repo="a.bin", repo_id=first)
    api.upload_file(path_or_fileobj=shared, path_in_repo="a.bin", repo_id=second)  # no cost
    api.upload_file(path_or_fileobj=more, path_in_repo="b.bin", repo_id=second)  # 3 MiB used

    with pytest.raises(HfHubHTTPError) as refused:
        api.upload_file(path_or_fileobj=too_much[:1000], path_in_repo="c.bin", repo_id=first)

    assert refused.value.response.status_code == 413
    assert refused.value.response.headers["X-Error-Code"] == "StorageQuotaExceeded"
    assert "charlie stores 3145728 of its 3145728 bytes" in str(refused.value)
    alice, theirs = new_repo(hub, "alice")
    alice.upload_file(path_or_fileobj=too_much[:1000], path_in_repo="c.bin", repo_id=theirs)


def _exhaust(hub, token: str | None) -> httpx.Response:
    """Calls the API until it answers 429 with at least 2 s of its window left."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=hub.url, headers=headers, timeout=30) as http:

        def refused() -> httpx.Response | None:
            answer = http.get("/api/models", params={"author": "alice"})
            reset = re.search(r"t=(\d+)", answer.headers.get("RateLimit", ""))
            return answer if answer.status_code == 429 and int(reset[1]) >= 2 else None

        return wait_until(refused, timeout=30, interval=0.01, message="a 429")


def test_the_real_client_waits_out_a_429_and_retries(limited_hub):
    hub = limited_hub
    api = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    refused = _exhaust(hub, hub.tokens["alice"])
    seen = len(hub.output)

    models = list(api.list_models(author="alice"))

    assert refused.headers["X-Error-Code"] == "TooManyRequests"
    assert refused.headers["Retry-After"].isdigit()
    assert re.fullmatch(r'"api";r=0;t=\d+', refused.headers["RateLimit"])
    assert refused.headers["RateLimit-Policy"] == '"fixed window";"api";q=2;w=4'
    assert models == []

    def calls() -> list[str] | None:  # the access log line can trail the response
        found = re.findall(r"GET /api/models (\d{3}) .* user=alice", "".join(hub.output[seen:]))
        return found if found and found[-1] == "200" else None

    logged = wait_until(calls, timeout=10, message="the retried call in the access log")
    assert logged[0] == "429" and logged[-1] == "200"


def test_callers_without_a_token_are_limited_per_address_apart_from_tokens(limited_hub):
    hub = limited_hub
    _exhaust(hub, None)

    with httpx.Client(base_url=hub.url, timeout=30) as http:
        anonymous = http.get("/api/models")
        health = http.get("/api/health")
        with_token = http.get(
            "/api/whoami-v2", headers={"Authorization": f"Bearer {hub.tokens['charlie']}"}
        )

    assert anonymous.status_code == 429
    assert health.status_code == 200
    assert with_token.status_code == 200
    assert with_token.headers["RateLimit-Policy"] == '"fixed window";"api";q=2;w=4'
