"""The scheduled-job calls with the stock client: create, inspect, list, suspend, resume,
reschedule, relabel, trigger and delete (the sweep itself: test_schedule_sweep.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from huggingface_hub.errors import HfHubHTTPError, JobNotFoundError


def test_alice_schedules_a_job_and_manages_it(hub, alice, charlie):
    api = alice.api(hub)
    scheduled = api.create_scheduled_job(
        image="python:3.12", command=["python", "-c", "print('on schedule')"],
        schedule="@hourly", secrets={"TOKEN": "s3cret"}, namespace="alice",
    )  # fmt: skip
    assert scheduled.schedule == "@hourly"
    assert scheduled.suspend is False
    assert scheduled.job_spec.secrets == {"TOKEN": "***"}
    next_run = scheduled.status.next_job_run_at
    now = datetime.now(UTC)
    assert now < next_run <= now + timedelta(hours=1) and next_run.minute == 0
    assert [s.id for s in api.list_scheduled_jobs(namespace="alice")] == [scheduled.id]

    api.suspend_scheduled_job(scheduled_job_id=scheduled.id, namespace="alice")
    seen = api.inspect_scheduled_job(scheduled_job_id=scheduled.id, namespace="alice")
    assert seen.suspend is True and seen.status.next_job_run_at is None
    api.resume_scheduled_job(scheduled_job_id=scheduled.id, namespace="alice")
    assert (
        api.inspect_scheduled_job(scheduled_job_id=scheduled.id, namespace="alice").suspend is False
    )
    moved = api.update_scheduled_job_schedule(
        scheduled_job_id=scheduled.id, schedule="0 9 * * 1", namespace="alice"
    )
    assert moved.schedule == "0 9 * * 1" and moved.status.next_job_run_at.weekday() == 0
    relabeled = api.update_scheduled_job_labels(
        scheduled_job_id=scheduled.id, labels={"team": "ml"}, namespace="alice"
    )
    assert relabeled.job_spec.labels == {"team": "ml"}

    run = api.trigger_scheduled_job(scheduled_job_id=scheduled.id, namespace="alice")
    assert run.initiator.type == "scheduled-job" and run.initiator.id == scheduled.id
    done = api.wait_for_job(run.id, namespace="alice", timeout=60, poll_interval=0.2)
    assert done.status.stage == "COMPLETED"
    assert "on schedule" in list(api.fetch_job_logs(job_id=run.id, namespace="alice"))
    seen = api.inspect_scheduled_job(scheduled_job_id=scheduled.id, namespace="alice")
    assert seen.status.last_job.id == run.id

    with pytest.raises(JobNotFoundError):
        charlie.api(hub).inspect_scheduled_job(scheduled_job_id=scheduled.id, namespace="alice")
    api.delete_scheduled_job(scheduled_job_id=scheduled.id, namespace="alice")
    with pytest.raises(JobNotFoundError):
        api.inspect_scheduled_job(scheduled_job_id=scheduled.id, namespace="alice")


def test_a_bad_schedule_is_refused(hub, alice):
    with pytest.raises(HfHubHTTPError) as refused:
        alice.api(hub).create_scheduled_job(
            image="python:3.12", command=["true"], schedule="every hour", namespace="alice"
        )
    assert refused.value.response.status_code == 400
    assert "cron" in str(refused.value)
