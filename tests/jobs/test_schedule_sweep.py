"""The sweep that starts scheduled runs: each due run once, the next one moved forward, no
overlap unless allowed, nothing for a creator who lost write access."""

from datetime import UTC, datetime, timedelta

import pytest

from jobs.models import Job, ScheduledJob
from jobs.schedule import scheduled_jobs_start_due
from registry.models import Membership
from registry.services.accounts import org_create
from tests.conftest import make_user

DUE = datetime(2025, 7, 7, 12, 0, tzinfo=UTC)
SPEC = {
    "image": "python:3.12", "command": ["true"], "arguments": [], "environment": {},
    "secrets": {}, "flavor": "cpu-basic", "timeout_seconds": 60, "labels": {},
}  # fmt: skip


def make_scheduled(user, namespace=None, **overrides) -> ScheduledJob:
    fields = {"schedule": "*/5 * * * *", "next_run_at": DUE, "spec": SPEC, **overrides}
    return ScheduledJob.objects.create(
        namespace=namespace or user.namespace, created_by=user, **fields
    )


@pytest.mark.django_db
def test_a_due_schedule_starts_one_run_and_moves_to_its_next_time():
    scheduled = make_scheduled(make_user("alice"))
    assert scheduled_jobs_start_due(now=DUE + timedelta(seconds=3)) == 1
    assert scheduled_jobs_start_due(now=DUE + timedelta(seconds=8)) == 0
    run = Job.objects.get(scheduled_job=scheduled)
    assert (run.stage, run.command, run.created_by.username) == ("SCHEDULING", ["true"], "alice")
    scheduled.refresh_from_db()
    assert scheduled.next_run_at == DUE + timedelta(minutes=5)
    assert scheduled.last_job == run


@pytest.mark.django_db
def test_a_suspended_schedule_starts_nothing():
    make_scheduled(make_user("alice"), suspend=True)
    assert scheduled_jobs_start_due(now=DUE + timedelta(hours=1)) == 0
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_run_is_skipped_while_the_last_one_has_not_ended_unless_concurrent():
    alice = make_user("alice")
    single, overlapping = make_scheduled(alice), make_scheduled(alice, concurrency=True)
    scheduled_jobs_start_due(now=DUE)
    later = DUE + timedelta(minutes=5)
    assert scheduled_jobs_start_due(now=later) == 1
    assert Job.objects.filter(scheduled_job=single).count() == 1
    assert Job.objects.filter(scheduled_job=overlapping).count() == 2


@pytest.mark.django_db
def test_a_schedule_whose_creator_left_the_org_starts_nothing():
    alice, bob = make_user("alice"), make_user("bob")
    acme = org_create(name="acme", fullname="Acme", creator=alice)
    Membership.objects.create(org=acme, user=bob, role="write")
    make_scheduled(bob, namespace=acme.namespace)
    Membership.objects.filter(org=acme, user=bob).delete()
    assert scheduled_jobs_start_due(now=DUE) == 0
    assert not Job.objects.exists()
