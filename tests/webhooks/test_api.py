"""/api/settings/webhooks through the real client: alice manages her own webhooks with a
write token; read tokens, charlie and anonymous callers manage none of them."""

import contextlib

import pytest
from huggingface_hub import WebhookInfo, WebhookWatchedItem
from huggingface_hub.errors import HfHubHTTPError

WATCHED = [WebhookWatchedItem(type="user", name="alice"), {"type": "org", "name": "acme"}]


@pytest.fixture
def webhook(hub, alice):
    api = alice.api(hub)
    created = api.create_webhook(
        url="https://example.com/hook", watched=WATCHED, domains=["repo"], secret="s3cret"
    )
    yield created
    with contextlib.suppress(HfHubHTTPError):  # unless the test deleted it
        api.delete_webhook(created.id)


def test_alice_creates_a_webhook_and_reads_it_back(hub, alice, webhook):
    assert webhook == WebhookInfo(
        id=webhook.id,
        url="https://example.com/hook",
        job=None,
        watched=[
            WebhookWatchedItem(type="user", name="alice"),
            WebhookWatchedItem(type="org", name="acme"),
        ],
        domains=["repo"],
        secret="s3cret",
        disabled=False,
    )
    assert len(webhook.id) == 24
    assert alice.api(hub).get_webhook(webhook.id) == webhook
    assert webhook in alice.api(hub).list_webhooks()


def test_both_domains_are_watched_unless_alice_names_some(hub, alice):
    api = alice.api(hub)
    created = api.create_webhook(url="http://127.0.0.1:9/hook", watched=WATCHED)
    assert created.domains == ["repo", "discussion"]
    assert created.secret is None
    api.delete_webhook(created.id)


def test_alice_updates_disables_enables_and_deletes_it(hub, alice, webhook):
    api = alice.api(hub)
    updated = api.update_webhook(
        webhook.id,
        url="https://example.com/new",
        watched=[{"type": "model", "name": "alice/bert"}],
        domains=["discussion"],
        secret="other",
    )
    assert (updated.url, updated.domains, updated.secret) == (
        "https://example.com/new",
        ["discussion"],
        "other",
    )
    assert updated.watched == [WebhookWatchedItem(type="model", name="alice/bert")]
    # The client sends `watched: []` when its caller names none: the items stay.
    assert api.update_webhook(webhook.id, url="https://example.com/3").watched == updated.watched
    assert api.disable_webhook(webhook.id).disabled is True
    assert api.get_webhook(webhook.id).disabled is True
    assert api.enable_webhook(webhook.id).disabled is False
    api.delete_webhook(webhook.id)
    with pytest.raises(HfHubHTTPError) as missing:
        api.get_webhook(webhook.id)
    assert missing.value.response.status_code == 404


def test_a_read_token_manages_no_webhook(hub, alice, webhook):
    api = alice.api(hub, read_only=True)
    for call in (
        lambda: api.list_webhooks(),
        lambda: api.get_webhook(webhook.id),
        lambda: api.create_webhook(url="https://example.com/x", watched=WATCHED),
        lambda: api.disable_webhook(webhook.id),
        lambda: api.delete_webhook(webhook.id),
    ):
        with pytest.raises(HfHubHTTPError) as refused:
            call()
        assert refused.value.response.status_code == 403
    assert alice.api(hub).get_webhook(webhook.id).disabled is False


def test_charlie_cannot_find_alices_webhook(hub, charlie, webhook):
    api = charlie.api(hub)
    assert webhook.id not in [w.id for w in api.list_webhooks()]
    for call in (
        lambda: api.get_webhook(webhook.id),
        lambda: api.update_webhook(webhook.id, url="https://evil.example/"),
        lambda: api.disable_webhook(webhook.id),
        lambda: api.delete_webhook(webhook.id),
    ):
        with pytest.raises(HfHubHTTPError) as missing:
            call()
        assert missing.value.response.status_code == 404


def test_anonymous_is_asked_to_sign_in(hub, anonymous):
    with pytest.raises(HfHubHTTPError) as refused:
        anonymous.api(hub).list_webhooks()
    assert refused.value.response.status_code == 401


@pytest.mark.parametrize(
    ("url", "watched", "domains", "message"),
    [
        ("ftp://example.com/x", WATCHED, None, "http:// or https://"),
        ("https://example.com/x", [{"type": "bucket", "name": "alice/b"}], None, "type must be"),
        ("https://example.com/x", [{"type": "user", "name": " "}], None, "a name of"),
        ("https://example.com/x", [], None, "watched must list"),
        ("https://example.com/x", WATCHED, ["everything"], "domains must"),
    ],
)
def test_bad_settings_are_refused_with_a_reason(hub, alice, url, watched, domains, message):
    with pytest.raises(HfHubHTTPError) as refused:
        alice.api(hub).create_webhook(url=url, watched=watched, domains=domains)
    assert refused.value.response.status_code == 400
    assert message in str(refused.value)
