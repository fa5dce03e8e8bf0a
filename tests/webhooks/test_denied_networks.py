"""Webhooks never reach the hub's own machine or a cloud metadata service: every address a
receiver's name resolves to is checked at each send, and addresses are refused at creation."""

import ipaddress

import pytest

from registry import errors
from registry.models import User
from tests.conftest import make_user
from webhooks.sending import address_denial, post_json
from webhooks.services.settings import webhook_create

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]
WATCHED = [{"type": "user", "name": "alice"}]


@pytest.fixture
def owner(db) -> User:
    # Not the package's `alice`: that one is a persona of a live hub these tests do not need.
    return make_user("alice")


def test_a_receiver_outside_the_denied_networks_gets_the_payload(receiver):
    answer = post_json(url=receiver.url, payload={"n": 1}, secret="", timeout=5, denied=[])

    assert answer.status == 200
    assert receiver.wait_for(1)[0].payload == {"n": 1}


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_receiver_on_a_denied_address_gets_nothing(receiver, host):
    url = receiver.url.replace("127.0.0.1", host)

    answer = post_json(url=url, payload={"n": 1}, secret="s", timeout=5, denied=LOOPBACK)

    assert answer.status is None
    assert "DeniedAddress" in answer.error and "is in the denied network" in answer.error
    assert receiver.received == []


def test_a_proxy_in_the_environment_is_not_used_to_get_around_the_check(receiver, monkeypatch):
    monkeypatch.setenv("http_proxy", receiver.url.rsplit("/", 1)[0])

    answer = post_json(
        url="http://169.254.169.254/latest/meta-data/",
        payload={},
        secret="",
        timeout=5,
        denied=[ipaddress.ip_network("169.254.0.0/16")],
    )

    assert "DeniedAddress" in answer.error
    assert receiver.received == []


@pytest.mark.parametrize(
    ("address", "denied"),
    [("::ffff:127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("10.0.0.5", False)],
)
def test_addresses_are_judged_as_what_they_are(address, denied):
    assert bool(address_denial(address, LOOPBACK)) is denied


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://169.254.169.254/",
        "http://[::1]/",
    ],
)
def test_alice_cannot_point_a_webhook_at_a_denied_address(owner, url):
    with pytest.raises(errors.BadRequest, match="may not point at"):
        webhook_create(user=owner, token=None, body={"url": url, "watched": WATCHED}, base_url="")


def test_a_private_network_address_is_allowed_by_default(owner):
    body = {"url": "http://10.1.2.3/hook", "watched": WATCHED}

    webhook = webhook_create(user=owner, token=None, body=body, base_url="")

    assert webhook.url == "http://10.1.2.3/hook"
