"""Writes: a Space's lifecycle (builds on push, restart, pause, sleep and wake, crashes),
its settings (secrets, variables, sleep time, hardware) and duplication.

The web side decides stages and queues work (workers/spaces.py); the build and run tasks
report back through `space_started`, `space_build_failed`, `space_crashed` and
`space_stopped`, and make room with `space_capacity_make_room` before a start."""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from registry import errors
from registry.models import Repo
from registry.permissions import Action, Actor, require
from registry.repofiles import repo_file_at
from registry.request import open_git
from registry.sealing import seal
from spaces.models import SpaceRuntime, SpaceSecret
from spaces.selectors import (
    HARDWARE,
    space_host,
    space_log_tail,
    space_runtime_json,
    space_sleep_seconds,
    space_subdomain,
)
from workers.spaces import space_build_enqueue, space_stop_enqueue

Stage = SpaceRuntime.Stage
# Spaces that run a process; a static Space is files the proxy serves.
PROCESS_SDKS = {"gradio"}
# A request refreshes `last_request_at` at most this often, so reads do not become writes.
_SEEN_EVERY = timedelta(seconds=10)
# How often a request may trigger the sleep sweep (a periodic task may call it too).
_SWEEP_EVERY_SECONDS = 30
# A crash this soon after a start counts towards the crash loop; later, the count restarts.
_CRASH_WINDOW = timedelta(minutes=2)
_DESCRIPTION_MAX = SpaceSecret._meta.get_field("description").max_length


def space_runtime_ensure(*, repo: Repo) -> SpaceRuntime:
    """The Space's runtime row; a Space pushed before the app existed is staged now."""
    runtime = SpaceRuntime.objects.filter(repo=repo).first()
    return runtime if runtime is not None else space_build_start(repo=repo)


def space_main_moved_listener(sender, *, repo: Repo, **kwargs) -> None:
    """Listener of registry.signals.repo_main_moved: a push to a Space's main rebuilds it."""
    if repo.type == Repo.Type.SPACE:
        space_build_start(repo=repo)


def app_file_of(repo: Repo, sdk: str) -> str:
    default = "index.html" if sdk == "static" else "app.py"
    app_file = repo.card_data.get("app_file") if isinstance(repo.card_data, dict) else None
    return app_file if isinstance(app_file, str) and app_file else default


def _has_file(repo: Repo, path: str) -> bool:
    try:
        repo_file_at(repo=repo, git=open_git(repo), sha=repo.head_sha, path=path)
    except (errors.EntryNotFound, errors.BadRequest):
        return False
    return True


def _config_stage(repo: Repo) -> tuple[str, str, str]:
    """(sdk, stage, error) that main's card and files call for, before any process runs."""
    card = repo.card_data if isinstance(repo.card_data, dict) else {}
    sdk = card.get("sdk") if isinstance(card.get("sdk"), str) else ""
    if sdk == "docker":
        message = (
            "Docker Spaces need a container engine, and this hub has none: use `sdk: gradio` "
            "or `sdk: static` in README.md."
        )
        return sdk, Stage.CONFIG_ERROR, message
    if sdk not in {"static", *PROCESS_SDKS}:
        found = f"`sdk: {sdk}`" if sdk else "no `sdk`"
        message = f"README.md's metadata has {found}; this hub runs `static` and `gradio` Spaces."
        return sdk, Stage.CONFIG_ERROR, message
    app_file = app_file_of(repo, sdk)
    if not repo.head_sha or not _has_file(repo, app_file):
        return sdk, Stage.NO_APP_FILE, f"No application file: add {app_file} to the Space."
    return sdk, Stage.RUNNING if sdk == "static" else Stage.BUILDING, ""


def space_build_start(*, repo: Repo) -> SpaceRuntime:
    """Stages the Space for main's head: a static Space runs at once, a Gradio Space is
    queued for a build, a paused one stays paused (restarting builds it)."""
    sdk, stage, error = _config_stage(repo)
    with transaction.atomic():
        runtime, _ = SpaceRuntime.objects.select_for_update().get_or_create(repo=repo)
        was_running = runtime.socket != ""
        runtime.sdk, runtime.sha = sdk, repo.head_sha
        if runtime.stage != Stage.PAUSED:
            runtime.stage, runtime.error = stage, error
            runtime.restarts, runtime.next_attempt_at = 0, None
        runtime.save()
        if runtime.stage == Stage.BUILDING:
            space_build_enqueue(repo.pk, unreachable=_build_unreachable(repo.pk))
        elif was_running:
            space_stop_enqueue(repo.pk)
    return runtime


def _build_unreachable(repo_pk: int):
    def fail(message: str) -> None:
        SpaceRuntime.objects.filter(pk=repo_pk, stage=Stage.BUILDING).update(
            stage=Stage.BUILD_ERROR, error=message
        )

    return fail


def space_restart(*, actor: Actor, repo: Repo, factory: bool = False) -> SpaceRuntime:
    """restart_space: the Space is staged again from main (a paused one too). A factory
    reboot is the same here: builds reuse environments only by their requirements' hash."""
    require(actor, Action.WRITE, repo=repo)
    SpaceRuntime.objects.filter(repo=repo, stage=Stage.PAUSED).update(stage=Stage.STOPPED)
    return space_build_start(repo=repo)


def space_pause(*, actor: Actor, repo: Repo) -> SpaceRuntime:
    """pause_space: stopped until restarted; requests to it get a 503 meanwhile."""
    require(actor, Action.WRITE, repo=repo)
    runtime = space_runtime_ensure(repo=repo)
    with transaction.atomic():
        SpaceRuntime.objects.filter(pk=runtime.pk).update(stage=Stage.PAUSED, error="")
        if runtime.sdk in PROCESS_SDKS:
            space_stop_enqueue(repo.pk)
    runtime.refresh_from_db()
    return runtime


def space_sleep_time_set(*, actor: Actor, repo: Repo, seconds: object) -> SpaceRuntime:
    """set_space_sleep_time: seconds without requests before sleeping; -1 never sleeps."""
    require(actor, Action.WRITE, repo=repo)
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int)
        or not (seconds == -1 or seconds > 0)
    ):
        raise errors.BadRequest("The sleep time must be a positive number of seconds, or -1")
    runtime = space_runtime_ensure(repo=repo)
    SpaceRuntime.objects.filter(pk=runtime.pk).update(sleep_time=seconds)
    runtime.refresh_from_db()
    return runtime


def space_hardware_request(
    *, actor: Actor, repo: Repo, flavor: object, sleep_time: object = None
) -> SpaceRuntime:
    """request_space_hardware: this hub has one flavor, cpu-basic; any other is a 400."""
    require(actor, Action.WRITE, repo=repo)
    if flavor != HARDWARE:
        raise errors.BadRequest(
            f"Hardware '{flavor}' is not available on this hub: Spaces run on '{HARDWARE}' only"
        )
    if sleep_time is not None:
        return space_sleep_time_set(actor=actor, repo=repo, seconds=sleep_time)
    return space_runtime_ensure(repo=repo)


def setting_check(key: object, value: object, description: object) -> None:
    if not isinstance(key, str) or not key.isidentifier() or not key.isascii() or len(key) > 100:
        raise errors.BadRequest("The key must be a name of letters, digits and underscores")
    if not isinstance(value, str):
        raise errors.BadRequest("The value must be a string")
    if description is not None and not isinstance(description, str):
        raise errors.BadRequest("The description must be a string")
    # The column's bound (PostgreSQL would refuse the row with a 500; SQLite would keep it).
    if description is not None and len(description) > _DESCRIPTION_MAX:
        raise errors.BadRequest(f"The description must be at most {_DESCRIPTION_MAX} characters")


def space_setting_set(
    *, actor: Actor, repo: Repo, model: type, key: object, value: object, description: object
) -> None:
    """add_space_secret / add_space_variable: creates or replaces `key` (a secret sealed).
    The app sees the change from its next start (restart the Space to apply it now)."""
    require(actor, Action.WRITE, repo=repo)
    setting_check(key, value, description)
    defaults = {"value": seal(value) if model is SpaceSecret else value}
    if description is not None:
        defaults["description"] = description
    try:
        model.objects.update_or_create(repo=repo, key=key, defaults=defaults)
    except IntegrityError:
        # Two writers created the same key at once: the other's row stands, ours replaces it.
        model.objects.filter(repo=repo, key=key).update(**defaults)


def space_setting_delete(*, actor: Actor, repo: Repo, model: type, key: object) -> None:
    require(actor, Action.WRITE, repo=repo)
    if not isinstance(key, str):
        raise errors.BadRequest("The key must be a string")
    model.objects.filter(repo=repo, key=key).delete()


# -- requests: wake, last request, the sleep sweep ------------------------------------------


def space_request_seen(*, runtime: SpaceRuntime) -> None:
    """Records a request to the Space's app (at most every few seconds), and lets the
    sleep sweep run now and then."""
    now = timezone.now()
    if runtime.last_request_at is None or now - runtime.last_request_at > _SEEN_EVERY:
        SpaceRuntime.objects.filter(pk=runtime.pk).update(last_request_at=now)
        runtime.last_request_at = now
    if cache.add("spaces:sweep", 1, timeout=_SWEEP_EVERY_SECONDS):
        spaces_sleep_sweep()


def space_wake(*, runtime: SpaceRuntime) -> bool:
    """Queues a start of a sleeping or stopped Space (once, however many requests ask);
    False while a crash loop's backoff forbids it."""
    now = timezone.now()
    if runtime.next_attempt_at is not None and runtime.next_attempt_at > now:
        return False
    with transaction.atomic():
        woken = SpaceRuntime.objects.filter(
            pk=runtime.pk, stage__in=[Stage.SLEEPING, Stage.STOPPED]
        ).update(stage=Stage.BUILDING, error="", last_request_at=now)
        if woken:
            space_build_enqueue(runtime.pk, unreachable=_build_unreachable(runtime.pk))
    return True


def space_sleep(*, repo_pk: int) -> bool:
    """Puts a running Space to sleep (its process stopped; the next request wakes it)."""
    with transaction.atomic():
        slept = SpaceRuntime.objects.filter(pk=repo_pk, stage=Stage.RUNNING).update(
            stage=Stage.SLEEPING
        )
        if slept:
            space_stop_enqueue(repo_pk)
    return bool(slept)


def spaces_sleep_sweep() -> list[int]:
    """Running Gradio Spaces idle past their sleep time go to sleep; returns their pks."""
    now = timezone.now()
    idle = []
    running = SpaceRuntime.objects.filter(stage=Stage.RUNNING, sdk__in=PROCESS_SDKS)
    for runtime in running.only("pk", "sleep_time", "last_request_at", "updated_at"):
        seconds = space_sleep_seconds(runtime)
        since = runtime.last_request_at or runtime.updated_at
        idle_long = seconds is not None and now - since > timedelta(seconds=seconds)
        if idle_long and space_sleep(repo_pk=runtime.pk):
            idle.append(runtime.pk)
    return idle


# -- what the build and run tasks report ----------------------------------------------------


def space_capacity_make_room(*, worker: str) -> list[int]:
    """Before `worker` starts a Space: the least recently used of its running Spaces beyond
    HUB_SPACES_MAX_RUNNING - 1 are marked SLEEPING; returns their pks for it to stop."""
    keep = settings.HUB_SPACES_MAX_RUNNING - 1
    running = SpaceRuntime.objects.filter(worker=worker, stage=Stage.RUNNING).order_by(
        F("last_request_at").desc(nulls_last=True), "-updated_at"
    )
    victims = list(running.values_list("pk", flat=True)[keep:])
    SpaceRuntime.objects.filter(pk__in=victims, stage=Stage.RUNNING).update(stage=Stage.SLEEPING)
    return victims


def space_started(*, repo_pk: int, sha: str, socket: str, worker: str, pid: int) -> bool:
    """The run task's app answers on `socket`: RUNNING, unless main moved, or the Space was
    paused or put to sleep meanwhile (False: the task stops what it started)."""
    now = timezone.now()
    return bool(
        SpaceRuntime.objects.filter(pk=repo_pk, stage=Stage.BUILDING, sha=sha).update(
            stage=Stage.RUNNING, socket=socket, worker=worker, pid=pid, error="",
            last_request_at=now, updated_at=now,  # update() skips auto_now; space_crashed reads it
        )
    )  # fmt: skip


def space_build_failed(*, repo_pk: int, sha: str) -> None:
    """BUILD_ERROR with the build log's tail (if main has not moved on meanwhile)."""
    repo = Repo.objects.get(pk=repo_pk)
    SpaceRuntime.objects.filter(pk=repo_pk, stage=Stage.BUILDING, sha=sha).update(
        stage=Stage.BUILD_ERROR, error=space_log_tail(repo=repo, kind="build")
    )


def space_crashed(*, repo_pk: int, sha: str) -> str:
    """The app exited or never answered. Crashes soon after a start count up: below
    HUB_SPACES_MAX_RESTARTS the Space is STOPPED with a backoff before the next request may
    wake it (2, 4, 8... s); then RUNTIME_ERROR with the run log's tail until a push or a
    restart. Returns the new stage."""
    repo = Repo.objects.get(pk=repo_pk)
    now = timezone.now()
    with transaction.atomic():
        runtime = SpaceRuntime.objects.select_for_update().get(pk=repo_pk)
        if runtime.sha != sha or runtime.stage in {Stage.PAUSED, Stage.SLEEPING}:
            return runtime.stage
        # Still BUILDING: the app never answered (the run task waited its start timeout,
        # which may be longer than the window). RUNNING: since when (space_started).
        recent = runtime.stage == Stage.BUILDING or now - runtime.updated_at < _CRASH_WINDOW
        runtime.restarts = runtime.restarts + 1 if recent else 1
        runtime.error = space_log_tail(repo=repo, kind="run")
        runtime.socket, runtime.pid = "", None
        if runtime.restarts >= settings.HUB_SPACES_MAX_RESTARTS:
            runtime.stage, runtime.next_attempt_at = Stage.RUNTIME_ERROR, None
        else:
            runtime.stage = Stage.STOPPED
            runtime.next_attempt_at = now + timedelta(seconds=2**runtime.restarts)
        runtime.save()
    return runtime.stage


def space_stopped(*, repo_pk: int) -> None:
    """The Space's process is gone (stopped on purpose): no socket; a RUNNING Space (one
    stopped by its worker's shutdown) is STOPPED, and wakes on the next request."""
    SpaceRuntime.objects.filter(pk=repo_pk).update(socket="", pid=None, worker="")
    SpaceRuntime.objects.filter(Q(pk=repo_pk) & Q(stage=Stage.RUNNING)).update(stage=Stage.STOPPED)


def space_info_extra(sender, *, repo: Repo, base_url: str, **kwargs) -> dict:
    """Listener of registry.signals.repo_info_extend: space_info's `host`, `subdomain` and
    `runtime` (gradio_client finds the app through `host`)."""
    if repo.type != Repo.Type.SPACE:
        return {}
    return {
        # With a trailing slash: gradio_client joins its routes onto `host` (urljoin), which
        # on the Hub is a bare origin and here carries a path.
        "host": space_host(repo=repo, base_url=base_url) + "/",
        "subdomain": space_subdomain(repo=repo),
        "runtime": space_runtime_json(space_runtime_ensure(repo=repo)),
    }
