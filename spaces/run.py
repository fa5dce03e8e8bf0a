"""Runs Gradio Spaces in the sandbox, owned by the worker process that started them.

A Spaces worker is one process (Celery's threads pool): every SandboxProcess it starts is
its child (bubblewrap's --die-with-parent ends it with the worker), held in `_owned`. The
database row says what should run; a supervisor thread in the owner compares the two every
second: a process whose row no longer names its socket (paused, put to sleep, rebuilt or
stopped by whichever worker took the message) is killed; a process that exited is a crash
(spaces.services.space_crashed decides the backoff, and the supervisor wakes the Space again
once it is over, until the crash loop ends in RUNTIME_ERROR).
"""

import logging
import os
import socket as sockets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections

from registry.sealing import SecretUnreadable
from sandbox.processes import process_alive
from sandbox.runner import Limits, Sandbox, SandboxProcess, sandbox_start
from spaces.build import Build, BuildFailed, space_build
from spaces.models import SpaceRuntime
from spaces.selectors import space_env, space_host, space_log_path
from spaces.services import (
    space_build_failed,
    space_capacity_make_room,
    space_crashed,
    space_started,
    space_stopped,
    space_wake,
)

log = logging.getLogger(__name__)
Stage = SpaceRuntime.Stage
# Gradio's own default port, inside the Space's network namespace (nobody else is there).
_PORT = 7860
_SUPERVISE_EVERY_SECONDS = 1.0
# Each Space runs as a host uid of its own (the sandbox's process limit counts per uid).
_UID_BASE = 200_000
_UID_SPAN = 100_000


@dataclass
class _Running:
    process: SandboxProcess
    socket: str
    sha: str


_owned: dict[int, _Running] = {}
_owned_lock = threading.Lock()
_supervisor: threading.Thread | None = None
# Every sandbox starts from this one thread: a sandbox dies with the thread that started it
# (PR_SET_PDEATHSIG), and this thread lives as long as the worker process.
_starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spaces-starter")


def worker_name() -> str:
    """This owner, as SpaceRuntime.worker records it."""
    return f"{sockets.gethostname()}:{os.getpid()}"


def space_deploy(*, repo_pk: int) -> None:
    """The `minihub.space_build` task: builds the Space staged BUILDING (a push, a restart or
    a wake: environments are reused by hash) and starts it; a stale message does nothing."""
    runtime = SpaceRuntime.objects.select_related("repo").get(pk=repo_pk)
    if runtime.stage != Stage.BUILDING:
        return
    _stop_local(repo_pk)
    try:
        env = _space_env(runtime)
        build = space_build(runtime=runtime)
    except BuildFailed as failed:
        _build_failed(runtime, failed)
        return
    _start(runtime, build, env)


def _space_env(runtime: SpaceRuntime) -> dict[str, str]:
    """The Space's variables and secrets, opened before the build: a secret no key opens is
    a CONFIG_ERROR naming it, also written as the run log (which drops the last run's, whose
    copies of that secret could no longer be masked)."""
    try:
        return space_env(repo=runtime.repo)
    except SecretUnreadable as unreadable:
        run_log = space_log_path(repo=runtime.repo, kind="run")
        run_log.parent.mkdir(parents=True, exist_ok=True)
        run_log.write_text(f"{unreadable}\n", encoding="utf-8")
        raise BuildFailed(Stage.CONFIG_ERROR, str(unreadable)) from None


def _build_failed(runtime: SpaceRuntime, failed: BuildFailed) -> None:
    if failed.stage == Stage.BUILD_ERROR:
        space_build_failed(repo_pk=runtime.pk, sha=runtime.sha)
        return
    SpaceRuntime.objects.filter(pk=runtime.pk, stage=Stage.BUILDING, sha=runtime.sha).update(
        stage=failed.stage, error=failed.message
    )


def _start(runtime: SpaceRuntime, build: Build, env: dict[str, str]) -> None:
    """Starts the app, waits for it to answer HTTP, then records it RUNNING."""
    for victim in space_capacity_make_room(worker=worker_name()):
        _stop_local(victim)
        space_stopped(repo_pk=victim)
    run_log = build.space_dir / "run.log"
    command = ["/opt/env/bin/python", build.app_file]
    process = _starter.submit(
        sandbox_start, _sandbox(runtime, build, env), command, log=run_log
    ).result()
    if not _answers(process, timeout=settings.HUB_SPACES_START_TIMEOUT):
        process.kill()
        _crashed(runtime.pk, runtime.sha)
        return
    socket = str(process.socket)
    with _owned_lock:
        _owned[runtime.pk] = _Running(process, socket, runtime.sha)
    if not space_started(
        repo_pk=runtime.pk, sha=runtime.sha, socket=socket, worker=worker_name(), pid=process.pid
    ):
        _stop_local(runtime.pk)  # paused, slept or pushed to meanwhile
        return
    _supervisor_ensure()


def _sandbox(runtime: SpaceRuntime, build: Build, app_env: dict[str, str]) -> Sandbox:
    repo = runtime.repo
    binds = [(build.base, "/opt/env")]
    env = {**app_env}  # the hub's own names below win over the Space's
    if build.layer is not None:
        binds.append((build.layer, "/opt/layer"))
        env["MINIHUB_LAYER"] = f"/opt/layer/{build.layer_site}"
    env.update({
        "PATH": "/opt/env/bin:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        # glibc's per-thread arenas reserve address space that RLIMIT_AS counts.
        "MALLOC_ARENA_MAX": "2",
        "SPACE_ID": repo.repo_id,
        "GRADIO_ROOT_PATH": space_host(repo=repo, base_url=settings.HUB_PUBLIC_URL or ""),
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(_PORT),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "GRADIO_SSR_MODE": "False",
    })  # fmt: skip
    limits = Limits(
        memory_mb=settings.HUB_SPACES_MEMORY_MB,
        cpu_seconds=settings.HUB_SANDBOX_CPU_SECONDS or None,
        processes=settings.HUB_SANDBOX_PROCESSES,
        disk_mb=settings.HUB_SANDBOX_DISK_MB,
        open_files=settings.HUB_SANDBOX_OPEN_FILES,
    )
    uid = _UID_BASE + runtime.pk % _UID_SPAN
    return Sandbox(
        workdir=build.workdir, ro_binds=binds, env=env, limits=limits, port=_PORT, uid=uid
    )


def _answers(process: SandboxProcess, *, timeout: float) -> bool:
    """True once the app answers HTTP on its socket; False if it exits or the time runs out
    (the sandbox's relay accepts connections before the app binds, so only an answer counts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if process.socket is not None and http_probe(process.socket):
            return True
        time.sleep(0.2)
    return False


def http_probe(path: Path) -> bool:
    """Whether an HTTP server answers on the Unix socket at `path`."""
    try:
        with sockets.socket(sockets.AF_UNIX, sockets.SOCK_STREAM) as conn:
            conn.settimeout(5)
            conn.connect(str(path))
            conn.sendall(b"HEAD / HTTP/1.0\r\nHost: localhost\r\n\r\n")
            return conn.recv(5) == b"HTTP/"
    except OSError:
        return False


def _crashed(repo_pk: int, sha: str) -> None:
    """Records a crash; while the backoff allows another try, one follows when it ends."""
    if space_crashed(repo_pk=repo_pk, sha=sha) != Stage.STOPPED:
        return
    runtime = SpaceRuntime.objects.get(pk=repo_pk)
    delay = max(
        0.0, (runtime.next_attempt_at.timestamp() - time.time()) if runtime.next_attempt_at else 0
    )
    timer = threading.Timer(delay + 0.1, _retry, args=(repo_pk, sha))
    timer.daemon = True
    timer.start()


def _retry(repo_pk: int, sha: str) -> None:
    close_old_connections()
    runtime = SpaceRuntime.objects.filter(pk=repo_pk, sha=sha, stage=Stage.STOPPED).first()
    if runtime is not None:
        space_wake(runtime=runtime)
    close_old_connections()


def space_stop(*, repo_pk: int) -> None:
    """The `minihub.space_stop` task: the Space's process ends if this worker owns it (an
    owner elsewhere sees its row change and ends it), and the row forgets it."""
    _stop_local(repo_pk)
    space_stopped(repo_pk=repo_pk)


def _stop_local(repo_pk: int) -> None:
    with _owned_lock:
        running = _owned.pop(repo_pk, None)
    if running is not None:
        running.process.kill()


def spaces_release() -> None:
    """The worker stops: every Space it runs ends (STOPPED: the next request wakes it)."""
    with _owned_lock:
        owned = list(_owned)
    for repo_pk in owned:
        space_stop(repo_pk=repo_pk)


def spaces_orphans_clear() -> int:
    """At a worker's start: rows that name a dead worker process of this host as their
    owner are STOPPED (their app died with it); returns how many."""
    host = sockets.gethostname() + ":"
    cleared = 0
    for pk, worker in SpaceRuntime.objects.filter(worker__startswith=host).values_list(
        "pk", "worker"
    ):
        if not process_alive(int(worker.rsplit(":", 1)[1])):
            space_stopped(repo_pk=pk)
            cleared += 1
    return cleared


def _supervisor_ensure() -> None:
    global _supervisor
    with _owned_lock:
        if _supervisor is None or not _supervisor.is_alive():
            _supervisor = threading.Thread(target=_supervise, name="spaces-supervisor", daemon=True)
            _supervisor.start()


def _supervise() -> None:
    while True:
        time.sleep(_SUPERVISE_EVERY_SECONDS)
        close_old_connections()
        try:
            _supervise_once()
        except Exception:  # the loop outlives a database hiccup; the next round retries
            log.exception("spaces supervisor round failed")


def _supervise_once() -> None:
    with _owned_lock:
        owned = dict(_owned)
    if not owned:
        return
    rows = dict(SpaceRuntime.objects.filter(pk__in=owned).values_list("pk", "socket"))
    for repo_pk, running in owned.items():
        if rows.get(repo_pk) != running.socket:
            _stop_local(repo_pk)  # the row moved on: paused, slept, rebuilt, deleted
        elif running.process.poll() is not None:
            with _owned_lock:
                _owned.pop(repo_pk, None)
            _crashed(repo_pk, running.sha)
