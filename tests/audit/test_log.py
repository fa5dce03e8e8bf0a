"""The audit log's own rules: events are never changed, the spool reaches the log exactly
once whatever dies when, and retention deletes only what is old enough."""

import json
import uuid
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import AppendOnly, AuditEvent
from audit.selectors import event_json
from audit.services import audit_sweep, spool_flush
from audit.spool import spool_dir
from registry.services.tokens import token_create, token_revoke


@pytest.fixture
def spool(settings, tmp_path):
    """A spool directory of the test's own: no other test process's leftovers."""
    settings.HUB_DATA_DIR = tmp_path
    spool_flush()  # this process's earlier events, spooled before the switch
    AuditEvent.objects.all().expired_delete()
    return spool_dir()


def _token_events(alice, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        token, _ = token_create(user=alice, name="ci", role="read")
        token_revoke(user=alice, public_id=str(token.public_id))


def test_a_token_created_and_revoked_reaches_the_log_through_the_spool(
    alice, spool, django_capture_on_commit_callbacks
):
    _token_events(alice, django_capture_on_commit_callbacks)
    assert not AuditEvent.objects.exists()  # spooled, not yet in the database

    assert spool_flush() == 2

    actions = list(AuditEvent.objects.order_by("at").values_list("action", "actor"))
    assert actions == [("token.create", "alice"), ("token.revoke", "alice")]
    # Handed over and removed; appends go to a new, empty file.
    assert [path.stat().st_size for path in spool.glob("*.jsonl")] in ([], [0])


def _dead_spool(spool, events: list[dict], *, tail: bytes = b"") -> None:
    """A spool file left by a process that died (nobody holds its lock)."""
    spool.mkdir(exist_ok=True)
    lines = b"".join(json.dumps(event).encode() + b"\n" for event in events)
    (spool / f"{uuid.uuid4().hex[:6]}-dead.jsonl").write_bytes(lines + tail)


def _logged(alice, django_capture_on_commit_callbacks) -> list[dict]:
    _token_events(alice, django_capture_on_commit_callbacks)
    spool_flush()
    return [event_json(event) for event in AuditEvent.objects.order_by("at")]


def test_a_spool_ingested_twice_adds_each_event_once(
    alice, spool, django_capture_on_commit_callbacks
):
    # As if a flusher died after inserting and before removing the file.
    _dead_spool(spool, _logged(alice, django_capture_on_commit_callbacks))

    spool_flush()

    assert AuditEvent.objects.count() == 2


def test_a_line_torn_by_a_kill_is_skipped_and_the_rest_ingested(
    alice, spool, django_capture_on_commit_callbacks
):
    events = _logged(alice, django_capture_on_commit_callbacks)
    dead = [event | {"id": uuid.uuid4().hex, "action": "dead.write"} for event in events]
    _dead_spool(spool, dead, tail=json.dumps(dead[0]).encode()[:40])

    spool_flush()

    assert AuditEvent.objects.filter(action="dead.write").count() == 2
    assert not list(spool.glob("*-dead.jsonl"))


def test_an_event_cannot_be_changed_or_deleted_through_the_orm(
    alice, spool, django_capture_on_commit_callbacks
):
    _token_events(alice, django_capture_on_commit_callbacks)
    spool_flush()
    event = AuditEvent.objects.first()
    event.actor = "mallory"
    for attempt in (
        event.save,
        event.delete,
        lambda: AuditEvent.objects.update(actor="mallory"),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(AppendOnly):
            attempt()
    assert set(AuditEvent.objects.values_list("actor", flat=True)) == {"alice"}


def test_postgresql_itself_refuses_to_change_or_delete_an_event(
    alice, spool, django_capture_on_commit_callbacks
):
    _token_events(alice, django_capture_on_commit_callbacks)
    spool_flush()
    statements = ["UPDATE audit_auditevent SET actor = 'mallory'", "DELETE FROM audit_auditevent"]
    refused = []
    for statement in statements:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
        except DatabaseError:
            refused.append(statement)
    # SQLite has no such trigger: there the model's refusals are the guard.
    assert refused == (statements if connection.vendor == "postgresql" else [])
    if connection.vendor == "postgresql":
        assert set(AuditEvent.objects.values_list("actor", flat=True)) == {"alice"}


def test_the_retention_sweep_deletes_only_events_older_than_the_setting(
    alice, spool, settings, django_capture_on_commit_callbacks
):
    settings.HUB_AUDIT_RETENTION_DAYS = 30
    (created, _revoked) = _logged(alice, django_capture_on_commit_callbacks)
    old = (timezone.now() - timedelta(days=31)).isoformat()
    _dead_spool(spool, [created | {"id": uuid.uuid4().hex, "at": old, "action": "old.event"}])
    spool_flush()

    assert audit_sweep() == 1

    assert list(AuditEvent.objects.values_list("action", flat=True).order_by("at")) == [
        "token.create",
        "token.revoke",
    ]
