"""A Space's lifecycle in spaces/services.py: the sleep sweep, the last request, room for
one more start on a worker, and the crash loop's backoff, with the tasks the hub sends to
the Spaces workers read back from the broker."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from registry.sealing import seal
from spaces.models import SpaceRuntime, SpaceSecret
from spaces.selectors import space_log_path
from spaces.services import (
    space_capacity_make_room,
    space_crashed,
    space_request_seen,
    space_started,
    space_wake,
    spaces_sleep_sweep,
)
from tests.personas import alice_row  # noqa: F401  (the fixture `alice`)
from tests.spaces.factories import make_running, make_space, sent_tasks, stage_of

# Users of the test database (tests/spaces/conftest.py's personas are a live hub's).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tmp_storage")]
Stage = SpaceRuntime.Stage
STOP, BUILD = "minihub.space_stop", "minihub.space_build"


@pytest.fixture
def queue():
    """The broker's `spaces` queue, empty at the start and at the end of the test."""
    sent_tasks()
    yield sent_tasks
    sent_tasks()


@pytest.fixture
def sent(django_capture_on_commit_callbacks, queue):
    """Runs a service with its on-commit sends going out, then lists what reached the
    broker: `sent(lambda: service(...))`."""

    def run(service) -> list[tuple[str, list]]:
        with django_capture_on_commit_callbacks(execute=True):
            service()
        return queue()

    return run


# -- the sleep sweep ------------------------------------------------------------------------


def test_a_space_idle_past_its_sleep_time_sleeps_and_its_stop_is_queued(alice, sent):
    idle = make_running(alice, "idle", sleep_time=60, idle=600)
    busy = make_running(alice, "busy", sleep_time=60, idle=5)

    tasks = sent(spaces_sleep_sweep)

    assert stage_of(idle) == Stage.SLEEPING
    assert stage_of(busy) == Stage.RUNNING
    assert tasks == [(STOP, [idle.pk])]


def test_a_space_whose_sleep_time_is_minus_one_never_sleeps(alice, sent):
    forever = make_running(alice, "forever", sleep_time=-1, idle=90 * 24 * 3600)

    assert sent(spaces_sleep_sweep) == []
    assert stage_of(forever) == Stage.RUNNING


def test_the_hubs_sleep_time_applies_to_spaces_that_set_none(alice, settings, sent):
    settings.HUB_SPACES_SLEEP_TIME = 300
    stale = make_running(alice, "stale", idle=400)
    recent = make_running(alice, "recent", idle=200)
    static = make_space(alice, "pages", sdk="static")  # files, no process: nothing to stop
    SpaceRuntime.objects.filter(pk=static.pk).update(
        last_request_at=timezone.now() - timedelta(days=30)
    )

    assert sent(spaces_sleep_sweep) == [(STOP, [stale.pk])]
    assert stage_of(recent) == Stage.RUNNING
    assert SpaceRuntime.objects.get(pk=static.pk).stage == Stage.RUNNING


def test_a_request_lets_the_sweep_put_other_idle_spaces_to_sleep(alice, sent):
    idle = make_running(alice, "idle", sleep_time=60, idle=600)
    visited = make_running(alice, "visited", sleep_time=60, idle=5)
    cache.delete("spaces:sweep")  # the last sweep's mark (30 s) another test may have left

    tasks = sent(lambda: space_request_seen(runtime=visited))

    assert tasks == [(STOP, [idle.pk])]
    assert stage_of(visited) == Stage.RUNNING


# -- the last request -----------------------------------------------------------------------


def test_a_request_refreshes_the_last_request_at_most_every_ten_seconds(alice):
    runtime = make_running(alice, "demo", idle=4)
    seen = runtime.last_request_at

    space_request_seen(runtime=runtime)
    runtime.refresh_from_db()
    assert runtime.last_request_at == seen  # 4 s ago: no write

    SpaceRuntime.objects.filter(pk=runtime.pk).update(last_request_at=seen - timedelta(seconds=8))
    runtime.refresh_from_db()
    before = timezone.now()
    space_request_seen(runtime=runtime)
    runtime.refresh_from_db()
    assert runtime.last_request_at >= before  # 12 s ago: recorded again


# -- capacity -------------------------------------------------------------------------------


def test_beyond_max_running_the_least_recently_used_spaces_of_that_worker_sleep(alice, settings):
    settings.HUB_SPACES_MAX_RUNNING = 2
    oldest = make_running(alice, "oldest", worker="w1", idle=3600)
    older = make_running(alice, "older", worker="w1", idle=600)
    newest = make_running(alice, "newest", worker="w1", idle=60)
    elsewhere = make_running(alice, "elsewhere", worker="w2", idle=7200)

    victims = space_capacity_make_room(worker="w1")

    # One more is about to start on w1: it keeps one, with room for the new one.
    assert sorted(victims) == sorted([oldest.pk, older.pk])
    assert [stage_of(r) for r in (oldest, older)] == [Stage.SLEEPING, Stage.SLEEPING]
    assert stage_of(newest) == Stage.RUNNING
    assert stage_of(elsewhere) == Stage.RUNNING


def test_a_worker_below_max_running_keeps_every_space(alice, settings):
    settings.HUB_SPACES_MAX_RUNNING = 3
    spaces = [make_running(alice, f"s{n}", worker="w1", idle=n * 600) for n in range(2)]

    assert space_capacity_make_room(worker="w1") == []
    assert [stage_of(r) for r in spaces] == [Stage.RUNNING, Stage.RUNNING]


# -- the crash loop -------------------------------------------------------------------------


def crash(runtime: SpaceRuntime) -> tuple[str, timedelta | None]:
    """Reports a crash as the run task does; returns the stage and the backoff it set."""
    before = timezone.now()
    stage = space_crashed(repo_pk=runtime.pk, sha=runtime.sha)
    after = timezone.now()
    runtime.refresh_from_db()
    if runtime.next_attempt_at is None:
        return stage, None
    # The backoff, whole seconds, measured against the moments around the call.
    low, high = runtime.next_attempt_at - after, runtime.next_attempt_at - before
    assert high - low < timedelta(seconds=1)
    return stage, timedelta(seconds=round(high.total_seconds()))


def backoff_over(runtime: SpaceRuntime) -> None:
    SpaceRuntime.objects.filter(pk=runtime.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    runtime.refresh_from_db()


def test_a_crash_loop_backs_off_2_4_8_s_then_is_a_runtime_error_with_the_run_log(
    alice, settings, sent
):
    settings.HUB_SPACES_MAX_RESTARTS = 4
    runtime = make_running(alice, "crashy")
    SpaceSecret.objects.create(repo_id=runtime.pk, key="API_KEY", value=seal("s3cr3t-42"))
    log = space_log_path(repo=runtime.repo, kind="run")
    log.parent.mkdir(parents=True)
    log.write_text("loading the model with s3cr3t-42\nValueError: no model file here\n")

    for seconds in (2, 4, 8):
        assert crash(runtime) == (Stage.STOPPED, timedelta(seconds=seconds))
        # During the backoff, a request cannot wake it.
        assert sent(lambda: space_wake(runtime=runtime)) == []
        assert space_wake(runtime=runtime) is False
        assert stage_of(runtime) == Stage.STOPPED
        # Once it is over, the next request queues a build, and the app starts again.
        backoff_over(runtime)
        assert sent(lambda: space_wake(runtime=runtime)) == [(BUILD, [runtime.pk])]
        assert space_started(repo_pk=runtime.pk, sha=runtime.sha, socket="/run/crashy.sock",
                             worker="worker-1", pid=4243)  # fmt: skip

    assert crash(runtime) == (Stage.RUNTIME_ERROR, None)
    assert "ValueError: no model file here" in runtime.error
    assert "s3cr3t-42" not in runtime.error and "***" in runtime.error
    # Nothing wakes it until a push or a restart.
    assert sent(lambda: space_wake(runtime=runtime)) == []
    assert stage_of(runtime) == Stage.RUNTIME_ERROR


def minutes_pass(runtime: SpaceRuntime, minutes: int) -> None:
    """As if the current attempt (a build and a start, or a run) began `minutes` ago."""
    SpaceRuntime.objects.filter(pk=runtime.pk).update(
        updated_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_an_app_that_never_answers_ends_in_runtime_error_however_long_each_start_takes(
    alice, settings
):
    settings.HUB_SPACES_MAX_RESTARTS = 3
    runtime = SpaceRuntime.objects.get(pk=make_space(alice, "silent").pk)
    assert runtime.stage == Stage.BUILDING

    stages = []
    for _ in range(3):
        # The run task waits HUB_SPACES_START_TIMEOUT (2 minutes) for an answer, then
        # reports the start as a crash: the Space never reached RUNNING.
        minutes_pass(runtime, 3)
        stages.append(space_crashed(repo_pk=runtime.pk, sha=runtime.sha))
        backoff_over(runtime)
        space_wake(runtime=runtime)

    assert stages == [Stage.STOPPED, Stage.STOPPED, Stage.RUNTIME_ERROR]


def test_a_crash_after_a_long_run_starts_the_count_again(alice, settings):
    settings.HUB_SPACES_MAX_RESTARTS = 2
    runtime = make_running(alice, "steady")
    assert crash(runtime) == (Stage.STOPPED, timedelta(seconds=2))
    backoff_over(runtime)
    space_wake(runtime=runtime)
    space_started(repo_pk=runtime.pk, sha=runtime.sha, socket="/run/steady.sock",
                  worker="worker-1", pid=4244)  # fmt: skip

    minutes_pass(runtime, 30)  # it served for half an hour, then crashed

    assert crash(runtime) == (Stage.STOPPED, timedelta(seconds=2))


def test_a_crash_soon_after_a_late_wake_counts_up(alice, settings):
    settings.HUB_SPACES_MAX_RESTARTS = 3
    runtime = make_running(alice, "flaky")
    assert crash(runtime) == (Stage.STOPPED, timedelta(seconds=2))
    minutes_pass(runtime, 60)  # nobody asked for it for an hour
    backoff_over(runtime)
    space_wake(runtime=runtime)
    space_started(repo_pk=runtime.pk, sha=runtime.sha, socket="/run/flaky.sock",
                  worker="worker-1", pid=4245)  # fmt: skip

    assert crash(runtime) == (Stage.STOPPED, timedelta(seconds=4))  # it crashed at once


def test_the_app_answers_503_with_retry_after_during_the_backoff(alice):
    runtime = make_running(alice, "crashy")
    space_crashed(repo_pk=runtime.pk, sha=runtime.sha)

    answer = Client().get("/spaces-apps/alice/crashy/")

    assert answer.status_code == 503
    assert answer.headers["X-Error-Code"] == "SpaceNotRunning"
    assert 1 <= int(answer.headers["Retry-After"]) <= 3
    assert stage_of(runtime) == Stage.STOPPED  # not woken before its time
