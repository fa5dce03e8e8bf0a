"""A webhook never reveals a private repo to a URL its owner could not see it through: the
owner's sight is checked when the event is matched and again before every attempt."""

import time
import uuid

from huggingface_hub import CommitOperationAdd

from tests.contract.conftest import xet_disabled
from tests.webhooks.conftest import BACKOFF_MS, deliveries, settled

_ALICE_LEAVES_ACME = """
from registry.models import Organization, User
from registry.services.accounts import member_remove, membership_set
acme = Organization.objects.get(namespace__name="acme")
membership_set(org=acme, user=User.objects.get(username="bob"), role="admin")
member_remove(org=acme, username="alice")
"""


def _name() -> str:
    return f"secret-{uuid.uuid4().hex[:8]}"


def _commit(hub, persona, repo_id: str, text: bytes) -> None:
    with xet_disabled():
        persona.api(hub).create_commit(
            repo_id,
            operations=[CommitOperationAdd(path_in_repo="a.txt", path_or_fileobj=text)],
            commit_message="change",
        )


def _names(received) -> list[str]:
    return [r.payload["repo"]["name"] for r in received]


def test_alices_org_webhook_goes_quiet_on_acmes_private_repo_once_she_leaves(
    hub, alice, bob, receiver
):
    webhook = alice.api(hub).create_webhook(
        url=receiver.url, watched=[{"type": "org", "name": "acme"}], domains=["repo"]
    )
    vault, lobby = f"acme/{_name()}", f"acme/{_name()}"
    bob.api(hub).create_repo(vault, private=True)
    (seen,) = receiver.wait_for(1)  # a member: she hears of the private repo
    assert (seen.payload["repo"]["name"], seen.payload["repo"]["private"]) == (vault, True)

    hub.manage("shell", "-c", _ALICE_LEAVES_ACME)
    _commit(hub, bob, vault, b"after alice left")
    bob.api(hub).create_repo(lobby)
    receiver.wait_for(2)
    time.sleep(1)  # time for a wrongly queued vault delivery to arrive too

    assert _names(receiver.received) == [vault, lobby]
    assert [d["payload"]["repo"]["name"] for d in deliveries(hub, alice, webhook.id)] == [
        lobby,
        vault,
    ]


def test_charlies_webhook_never_hears_of_alices_repo_once_it_turns_private(
    hub, alice, charlie, receiver
):
    repo_id, other = f"alice/{_name()}", f"alice/{_name()}"
    alice.api(hub).create_repo(repo_id)
    alice.api(hub).create_repo(other)
    watched = [{"type": "model", "name": repo_id}, {"type": "model", "name": other}]
    webhook = charlie.api(hub).create_webhook(url=receiver.url, watched=watched, domains=["repo"])
    _commit(hub, alice, repo_id, b"public")
    receiver.wait_for(1)

    alice.api(hub).update_repo_settings(repo_id, private=True)
    _commit(hub, alice, repo_id, b"private now")
    _commit(hub, alice, other, b"still public")
    receiver.wait_for(2)
    time.sleep(1)

    assert _names(receiver.received) == [repo_id, other]
    assert len(deliveries(hub, charlie, webhook.id)) == 2


def test_a_retry_is_not_sent_once_the_repo_turned_private(hub, alice, charlie, receiver):
    repo_id = f"alice/{_name()}"
    alice.api(hub).create_repo(repo_id)
    webhook = charlie.api(hub).create_webhook(
        url=receiver.url, watched=[{"type": "model", "name": repo_id}], domains=["repo"]
    )
    receiver.statuses = [500]
    receiver.hold.clear()  # the first attempt waits for the receiver's answer
    _commit(hub, alice, repo_id, b"public")
    receiver.wait_for(1)
    alice.api(hub).update_repo_settings(repo_id, private=True)
    receiver.hold.set()  # ... which fails: the retry would follow BACKOFF_MS later

    (delivery,) = settled(hub, charlie, webhook.id, 1)
    time.sleep(4 * BACKOFF_MS / 1000)
    assert len(receiver.received) == 1
    assert delivery["state"] == "cancelled"
    assert [a["status"] for a in delivery["attempts"]] == [500]
