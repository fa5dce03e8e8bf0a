"""One live hub for the webhook tests, with retries fast enough to watch: three attempts a
delivery, 300 ms before the first retry, a webhook disabled after two failed deliveries."""

import json

import httpx2 as httpx
import pytest

# The personas of the contract tests, on this module's own hub (fixtures resolve `hub` here).
from tests.contract.conftest import (  # noqa: F401
    _PERSONAS,
    Persona,
    alice,
    anonymous,
    bob,
    charlie,
)
from tests.live import LiveHub, wait_until
from tests.webhooks.receiver import Receiver

BACKOFF_MS = 300
ATTEMPTS = 3
DISABLE_AFTER = 2


@pytest.fixture(scope="session")
def hub(tmp_path_factory):
    live = LiveHub(
        tmp_path_factory.mktemp("webhooks-hub"),
        HUB_WEBHOOK_BACKOFF_MS=str(BACKOFF_MS),
        HUB_WEBHOOK_ATTEMPTS=str(ATTEMPTS),
        HUB_WEBHOOK_DISABLE_AFTER=str(DISABLE_AFTER),
        HUB_WEBHOOK_TIMEOUT="5",
        # The receivers listen on loopback, which webhooks may not reach by default.
        HUB_WEBHOOK_DENIED_NETWORKS="169.254.0.0/16",
    ).start()
    live.tokens = json.loads(live.manage("shell", "-c", _PERSONAS).stdout.strip().splitlines()[-1])
    yield live
    live.close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def deliveries(hub: LiveHub, persona: Persona, webhook_id: str) -> list[dict]:
    """The webhook's delivery log as its owner reads it, newest first."""
    response = httpx.get(
        f"{hub.url}/api/settings/webhooks/{webhook_id}/deliveries",
        headers={"Authorization": f"Bearer {persona.token}"},
    )
    response.raise_for_status()
    return response.json()


def settled(hub: LiveHub, persona: Persona, webhook_id: str, count: int) -> list[dict]:
    """The log once `count` deliveries are no longer pending."""

    def done() -> list[dict] | None:
        log = deliveries(hub, persona, webhook_id)
        finished = [d for d in log if d["state"] != "pending"]
        return log if len(finished) >= count else None

    return wait_until(done, timeout=30, message=f"{count} settled deliveries")
