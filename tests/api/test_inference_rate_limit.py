"""Inference calls and widget pages are rate-limited per caller: they cost a worker's time."""

import pytest

from registry.services.repos import repo_create
from tests.conftest import make_token


@pytest.fixture(autouse=True)
def _two_per_minute(settings, tmp_path):
    settings.HUB_REPOS_DIR = tmp_path / "repos"
    settings.HUB_INFERENCE_RATE_LIMIT_PER_MINUTE = 2
    settings.HUB_RATE_LIMIT_WINDOW_SECONDS = 60


@pytest.fixture
def models(alice):
    """alice's public model `tiny` and private model `secret`."""
    for name, private in (("tiny", False), ("secret", True)):
        repo_create(user=alice, token=None, name=name, organization=None,
                    repo_type="model", private=private)  # fmt: skip


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {make_token(user)}"}


def test_anonymous_widget_pages_past_the_limit_get_429_with_retry_after(client, models):
    answers = [client.get("/models/alice/tiny/widget") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0]["RateLimit"].startswith('"api";r=1;')
    refused = answers[2]
    assert refused["X-Error-Code"] == "TooManyRequests"
    assert refused["X-Error-Message"].startswith("Rate limit reached")
    assert int(refused["Retry-After"]) >= 1
    assert refused.json()["error"].startswith("Rate limit reached")


def test_a_callers_inference_calls_past_the_limit_get_429(client, models, charlie):
    headers = bearer(charlie)
    answers = [
        client.post(
            "/models/alice/secret", {"inputs": "hi"}, content_type="application/json", **headers
        )  # fmt: skip
        for _ in range(3)
    ]

    assert [a.status_code for a in answers] == [404, 404, 429]
    assert answers[2]["X-Error-Code"] == "TooManyRequests"
    assert "Retry-After" in answers[2]


def test_the_limit_follows_the_user_not_the_address(client, models, charlie, settings):
    settings.HUB_TRUSTED_PROXIES = 1
    headers = bearer(charlie)
    for n in range(2):
        client.get("/models/alice/tiny/widget", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}", **headers)

    refused = client.get("/models/alice/tiny/widget", HTTP_X_FORWARDED_FOR="203.0.113.9",
                         **headers)  # fmt: skip

    assert refused.status_code == 429


def test_each_caller_has_a_budget_of_its_own(client, models, alice, charlie):
    for _ in range(3):
        client.get("/models/alice/tiny/widget", **bearer(charlie))

    answer = client.get("/models/alice/tiny/widget", **bearer(alice))

    assert answer.status_code == 200


def test_a_limit_of_zero_turns_it_off(client, models, settings):
    settings.HUB_INFERENCE_RATE_LIMIT_PER_MINUTE = 0

    answers = [client.get("/models/alice/tiny/widget") for _ in range(4)]

    assert {a.status_code for a in answers} == {200}
    assert "RateLimit" not in answers[0]
