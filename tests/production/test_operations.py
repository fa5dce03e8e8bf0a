"""What an operator relies on: `check --deploy` clean with production settings, HTTPS
redirects that spare the health check, and JSON log lines for every request."""

import json
import os
import secrets
import subprocess
import sys

import httpx2 as httpx
import pytest

from tests.live import ROOT, wait_until
from tests.production.conftest import start_hub

PRODUCTION = {
    "HUB_SECRET_KEY": secrets.token_urlsafe(50),
    "HUB_PUBLIC_URL": "https://hub.example.com",
    "HUB_BEHIND_PROXY": "true",
    "HUB_SECURE_COOKIES": "true",
    "HUB_HTTPS_REDIRECT": "true",
    "HUB_HSTS_SECONDS": "31536000",
    "HUB_HSTS_INCLUDE_SUBDOMAINS": "true",
    "HUB_HSTS_PRELOAD": "true",
}


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {**os.environ, "HUB_DATA_DIR": str(tmp_path), **PRODUCTION}

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"HUB_LOG_FORMAT": "xml"}, "HUB_LOG_FORMAT"),
        ({"HUB_S3_ENDPOINT_URL": "minio:9000"}, "HUB_S3_ENDPOINT_URL"),
        ({"HUB_S3_BUCKET": "b", "HUB_LFS_MULTIPART_CHUNK_SIZE": "1000"}, "CHUNK_SIZE"),
        ({"HUB_RATE_LIMIT_PER_MINUTE": "lots"}, "HUB_RATE_LIMIT_PER_MINUTE"),
        ({"HUB_MAX_REQUEST_BYTES": "10"}, "HUB_MAX_REQUEST_BYTES"),
    ],
)
def test_a_bad_production_setting_stops_the_hub_naming_it(tmp_path, settings, named):
    env = {**os.environ, "HUB_DATA_DIR": str(tmp_path), **settings}

    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    settings = {k: v for k, v in PRODUCTION.items() if k != "HUB_PUBLIC_URL"}
    live = start_hub(tmp_path_factory.mktemp("ops"), HUB_LOG_FORMAT="json", **settings)
    yield live
    live.close()


@pytest.mark.live
def test_plain_http_is_redirected_to_https_but_the_health_check_is_not(hub):
    with httpx.Client(base_url=hub.url, timeout=30) as http:
        plain = http.get("/api/models")
        health = http.get("/api/health")
        secure = http.get("/api/models", headers={"X-Forwarded-Proto": "https"})

    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://")
    assert health.status_code == 200
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


@pytest.mark.live
def test_every_request_is_one_json_log_line_with_who_what_and_how_long(hub):
    seen = len(hub.output)
    with httpx.Client(base_url=hub.url, timeout=30) as http:
        http.get(
            "/api/whoami-v2",
            headers={
                "Authorization": f"Bearer {hub.tokens['alice']}",
                "X-Request-Id": "ops-log-1",
                "X-Forwarded-Proto": "https",
            },
        )

    def logged() -> list[dict]:
        # serve's output reaches the test through a reader thread: wait for the line.
        lines = [json.loads(line) for line in hub.output[seen:] if line.startswith("{")]
        return [line for line in lines if line.get("request_id") == "ops-log-1"]

    [entry] = wait_until(logged, timeout=30, message="the request's log line")
    assert entry["logger"] == "minihub.request"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/api/whoami-v2", 200)
    assert entry["user"] == "alice"
    assert isinstance(entry["duration_ms"], float) and entry["level"] == "INFO"
    worker = [json.loads(line) for line in hub.output if line.startswith('{"time"')]
    assert any(line["logger"].startswith("celery") for line in worker)
