"""Deliveries by a real worker to a receiver on 127.0.0.1: the Hub's payload and secret,
retries with exponential backoff, the delivery log, replays, and auto-disable."""

import uuid

import httpx2 as httpx
from huggingface_hub import WebhookPayload

from tests.contract.conftest import xet_disabled
from tests.live import free_port
from tests.webhooks.conftest import ATTEMPTS, BACKOFF_MS, DISABLE_AFTER, deliveries, settled


def _name() -> str:
    return f"hooked-{uuid.uuid4().hex[:8]}"


def _watch(hub, persona, url: str, repo_id: str, **options):
    watched = [{"type": "model", "name": repo_id}]
    return persona.api(hub).create_webhook(url=url, watched=watched, **options)


def test_a_new_repo_and_a_commit_reach_the_receiver_in_the_hubs_shape(hub, alice, receiver):
    repo_id = f"alice/{_name()}"
    webhook = _watch(hub, alice, receiver.url, repo_id, domains=["repo"], secret="s3cret")
    api = alice.api(hub)
    api.create_repo(repo_id)
    with xet_disabled():
        commit = api.upload_file(path_or_fileobj=b"hello", path_in_repo="a.txt", repo_id=repo_id)
    created, updated = sorted(receiver.wait_for(2), key=lambda r: r.payload["event"]["scope"])

    assert created.headers["X-Webhook-Secret"] == "s3cret"
    assert created.payload["event"] == {"action": "create", "scope": "repo"}
    repo = WebhookPayload.model_validate(updated.payload).repo
    assert (repo.type, repo.name, repo.private) == ("model", repo_id, False)
    assert repo.url.web == f"{hub.url}/{repo_id}"
    assert repo.url.api == f"{hub.url}/api/models/{repo_id}"
    assert updated.payload["event"] == {"action": "update", "scope": "repo.content"}
    assert updated.payload["repo"]["headSha"] == commit.oid
    assert updated.payload["updatedRefs"] == [
        {
            "ref": "refs/heads/main",
            "oldSha": created.payload["repo"]["headSha"],
            "newSha": commit.oid,
        }
    ]
    assert updated.payload["webhook"] == {"id": webhook.id, "version": 3}

    log = settled(hub, alice, webhook.id, 2)
    assert [d["event"]["scope"] for d in log] == ["repo.content", "repo"]
    attempt = log[0]["attempts"][0]
    assert (attempt["status"], attempt["response"]) == (200, "receiver says 200")
    assert log[0]["state"] == "succeeded"


def test_discussions_reach_only_webhooks_watching_the_community(hub, alice, charlie, receiver):
    repo_id = f"alice/{_name()}"
    webhook = _watch(hub, alice, receiver.url, repo_id, domains=["discussion"])
    alice.api(hub).create_repo(repo_id)
    api = charlie.api(hub)
    discussion = api.create_discussion(repo_id, title="Typo", description="In the card")
    comment = api.comment_discussion(repo_id, discussion.num, "Still there")
    alice.api(hub).change_discussion_status(repo_id, discussion.num, "closed")
    alice.api(hub).hide_discussion_comment(repo_id, discussion.num, comment.id)
    # Two worker processes deliver side by side: events may arrive in any order.
    by_event = {
        (r.payload["event"]["scope"], r.payload["event"]["action"]): r.payload
        for r in receiver.wait_for(4)
    }
    opened = by_event["discussion", "create"]
    commented = by_event["discussion.comment", "create"]
    closed = by_event["discussion", "update"]
    hidden = by_event["discussion.comment", "update"]

    assert opened["event"] == {"action": "create", "scope": "discussion"}
    assert "headSha" not in opened["repo"]  # the Hub sends it with repo events only
    assert opened["discussion"]["title"] == "Typo"
    assert opened["discussion"]["isPullRequest"] is False
    assert opened["discussion"]["url"]["web"] == f"{hub.url}/{repo_id}/discussions/1"
    assert opened["comment"]["content"] == "In the card"
    assert commented["comment"]["content"] == "Still there"
    assert closed["discussion"]["status"] == "closed"
    assert (hidden["comment"]["id"], hidden["comment"]["hidden"]) == (comment.id, True)
    assert hidden["comment"]["content"] == ""
    for payload in (opened, commented, closed, hidden):
        WebhookPayload.model_validate(payload)
    assert len(settled(hub, alice, webhook.id, 4)) == 4  # and no repo event


def test_a_failing_receiver_is_retried_with_growing_pauses(hub, alice, receiver):
    receiver.statuses = [500, 503]
    repo_id = f"alice/{_name()}"
    webhook = _watch(hub, alice, receiver.url, repo_id)
    alice.api(hub).create_repo(repo_id)
    first, second, third = receiver.wait_for(3)

    assert first.payload == second.payload == third.payload
    assert second.at - first.at >= BACKOFF_MS / 1000
    assert third.at - second.at >= 2 * BACKOFF_MS / 1000
    (delivery,) = settled(hub, alice, webhook.id, 1)
    assert delivery["state"] == "succeeded"
    assert [a["status"] for a in delivery["attempts"]] == [500, 503, 200]
    assert delivery["attempts"][0]["response"] == "receiver says 500"
    assert alice.api(hub).get_webhook(webhook.id).disabled is False


def test_a_delivery_is_replayed_to_the_webhooks_current_url(hub, alice, receiver):
    repo_id = f"alice/{_name()}"
    webhook = _watch(hub, alice, "http://127.0.0.1:9/gone", repo_id, secret="old")
    alice.api(hub).create_repo(repo_id)
    (failed,) = settled(hub, alice, webhook.id, 1)
    assert failed["state"] == "failed"
    assert len(failed["attempts"]) == ATTEMPTS
    assert all(a["status"] is None and a["error"] for a in failed["attempts"])

    alice.api(hub).update_webhook(webhook.id, url=receiver.url, secret="new")
    response = httpx.post(
        f"{hub.url}/api/settings/webhooks/{webhook.id}/deliveries/{failed['id']}/replay",
        headers={"Authorization": f"Bearer {alice.token}"},
    )
    assert response.status_code == 201
    (replayed,) = receiver.wait_for(1)
    assert replayed.payload == failed["payload"]
    assert replayed.headers["X-Webhook-Secret"] == "new"
    log = settled(hub, alice, webhook.id, 2)
    assert (log[0]["replayOf"], log[0]["state"]) == (failed["id"], "succeeded")


def test_a_webhook_that_keeps_failing_is_disabled(hub, alice, receiver):
    repo_id = f"alice/{_name()}"
    unreachable = f"http://127.0.0.1:{free_port()}/hook"
    failing = _watch(hub, alice, unreachable, repo_id)
    healthy = _watch(hub, alice, receiver.url, repo_id)
    api = alice.api(hub)
    api.create_repo(repo_id)
    with xet_disabled():
        api.upload_file(path_or_fileobj=b"1", path_in_repo="a.txt", repo_id=repo_id)
        settled(hub, alice, failing.id, DISABLE_AFTER)
        assert api.get_webhook(failing.id).disabled is True
        api.upload_file(path_or_fileobj=b"2", path_in_repo="a.txt", repo_id=repo_id)
    receiver.wait_for(3)  # the healthy webhook heard of all three events

    log = deliveries(hub, alice, failing.id)
    assert [d["state"] for d in log] == ["failed"] * DISABLE_AFTER
    assert "ConnectionRefusedError" in log[0]["attempts"][-1]["error"]
    info = httpx.get(
        f"{hub.url}/api/settings/webhooks/{failing.id}",
        headers={"Authorization": f"Bearer {alice.token}"},
    ).json()["webhook"]
    assert info["disabledReason"] == f"Disabled after {DISABLE_AFTER} failed deliveries in a row"
    assert api.enable_webhook(failing.id).disabled is False
    assert api.get_webhook(healthy.id).disabled is False
