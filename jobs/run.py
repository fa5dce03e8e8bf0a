"""Runs a job in the sandbox, in the worker thread of its `minihub.job_run` task.

The thread claims the job (SCHEDULING -> RUNNING), starts the sandbox with the hub's runtime
(jobs/runtime.py) and a relay to the hub as its only way out, reads the program's output
from a pipe into the job's log (timestamped, secrets masked, bounded), and waits: each
half-second it checks the timeout, the log's size and, every second, whether the row was
canceled. The job ends COMPLETED on exit status 0, CANCELED when canceled, and ERROR
otherwise with the reason and the log's tail; the sandbox is killed and the thread freed.
"""

import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import close_old_connections

from jobs.models import Job
from jobs.runtime import Runtime, RuntimeUnavailable, runtime_ready
from jobs.selectors import job_dir, job_log_path, job_log_tail, job_secrets, log_redact
from jobs.services import job_claim, job_end
from jobs.uv import LAYER, LayerFailed, layer_ready, script_dependencies, uv_run_parse
from jobs.volumes import (
    Mounted,
    host_path,
    volumes_materialize,
    volumes_size,
    volumes_write_back,
)
from registry import errors
from registry.permissions import Actor
from registry.request import JOB_ENDPOINT_HOST
from sandbox.outbound import OutboundRelay
from sandbox.runner import MB, Limits, Outbound, Sandbox, SandboxProcess, sandbox_start

log = logging.getLogger(__name__)
Stage = Job.Stage
# Where the hub answers inside a job's network namespace (HF_ENDPOINT).
HUB_PORT = int(JOB_ENDPOINT_HOST.rpartition(":")[2])
_WAIT_SECONDS = 0.5
_CANCEL_CHECK_SECONDS = 1.0
_LINE_MAX = 64 * 1024
# Each job runs as a host uid of its own (Spaces use 200000-299999).
_UID_BASE = 300_000
_UID_SPAN = 100_000

_running: dict[str, SandboxProcess] = {}
_running_lock = threading.Lock()


class LogWriter:
    """Lines of the program's output into the job's log, `<timestamp> <text>`, secrets
    masked, until `max_bytes`; then `flooded` is set and the rest is dropped."""

    def __init__(self, path: Path, *, secrets: list[str], max_bytes: int) -> None:
        self._out = path.open("ab")
        self._secrets = secrets
        self._left = max_bytes
        self.flooded = False

    def line(self, text: str) -> None:
        if self.flooded:
            return
        now = datetime.now(UTC)
        stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
        data = f"{stamp} {log_redact(text, secrets=self._secrets)}\n".encode()
        self._left -= len(data)
        if self._left < 0:
            self.flooded = True
            data = f"{stamp} [job] The log passed {settings.HUB_JOBS_LOG_MAX_BYTES} bytes\n"
            data = data.encode()
        self._out.write(data)
        self._out.flush()

    def pump(self, fd: int) -> None:
        """Reads the pipe until every writer closed it (the program and its children ended)."""
        pending = b""
        with os.fdopen(fd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(_LINE_MAX):
                *lines, pending = (pending + chunk).split(b"\n")
                for raw in lines:
                    self.line(raw.rstrip(b"\r").decode("utf-8", "replace"))
                while len(pending) >= _LINE_MAX:  # a line without end: cut it
                    self.line(pending[:_LINE_MAX].decode("utf-8", "replace"))
                    pending = pending[_LINE_MAX:]
        if pending:
            self.line(pending.decode("utf-8", "replace"))

    def close(self) -> None:
        self._out.close()


def job_run(*, job_id: str) -> None:
    """The `minihub.job_run` task: runs a SCHEDULING job to its end; a canceled one never
    starts."""
    if not job_claim(job_id=job_id):
        return
    job = Job.objects.select_related("namespace").get(pk=job_id)
    job_dir(job.id).mkdir(parents=True, exist_ok=True)
    try:
        secrets, unreadable = job_secrets(job), ""
    except errors.HubError as exc:
        secrets, unreadable = {}, exc.message
    writer = LogWriter(
        job_log_path(job.id),
        secrets=list(secrets.values()),
        max_bytes=settings.HUB_JOBS_LOG_MAX_BYTES,
    )
    writer.line(f"===== Job started at {datetime.now(UTC).isoformat()} =====")
    # Whatever happens, the job ends: an unexpected failure is an ERROR too (and is raised on
    # to the task's log), never a job left RUNNING.
    stage, reason = Stage.ERROR, "The hub could not run the job"
    try:
        if unreadable:
            writer.line(unreadable)
            reason = unreadable
        else:
            stage, reason = _execute(job, secrets, writer)
    except (RuntimeUnavailable, LayerFailed, errors.HubError) as exc:
        reason = str(exc)
    finally:
        writer.close()
        if stage == Stage.ERROR:
            reason = f"{reason}\n{job_log_tail(job.id)}".strip()
        close_old_connections()
        job_end(job_id=job.id, stage=stage, message=reason)


def _execute(job: Job, secrets: dict[str, str], writer: LogWriter) -> tuple[str, str]:
    runtime = runtime_ready()
    _say_runtime(job, runtime, writer)
    uid = _UID_BASE + int(job.id[-8:], 16) % _UID_SPAN
    private = Path(tempfile.mkdtemp(prefix="minihub-job-"))
    private.chmod(0o711)
    workdir = private / "work"
    workdir.mkdir(mode=0o755)
    relay = OutboundRelay(private / "hub.sock", _hub_address(), uid=uid)
    creator = Actor(job.created_by) if job.created_by else Actor(AnonymousUser())
    try:
        mounted = volumes_materialize(
            actor=creator, volumes=job.volumes, into=private / "volumes", uid=uid
        )
        command, layer = _program(job, runtime, workdir, mounted, writer)
        sandbox = _sandbox(
            job, secrets, runtime, workdir, Outbound(private / "hub.sock", HUB_PORT), uid
        )
        sandbox = replace(
            sandbox,
            ro_binds=[*sandbox.ro_binds, *((m.folder, m.mount) for m in mounted if not m.writable)],
            rw_binds=[(m.folder, m.mount) for m in mounted if m.writable],
        )
        if layer is not None:
            sandbox = _with_layer(sandbox, layer)
        outcome = _supervise(job, sandbox, command, writer, mounted)
        return _written_back(creator, mounted, writer, outcome)
    finally:
        relay.close()
        shutil.rmtree(private, ignore_errors=True)


def _written_back(
    creator: Actor, mounted: list[Mounted], writer: LogWriter, outcome: tuple[str, str]
) -> tuple[str, str]:
    """The writable volumes' changes go to their buckets whatever the end, as a live mount's
    would have; a write-back that fails makes the job an ERROR saying why."""
    try:
        for line in volumes_write_back(actor=creator, mounted=mounted):
            writer.line(line)
    except errors.HubError as exc:
        writer.line(f"[job] {exc.message}")
        return Stage.ERROR, exc.message
    return outcome


def _program(
    job: Job, runtime: Runtime, workdir: Path, mounts: list[Mounted], writer: LogWriter
) -> tuple[list[str], Path | None]:
    """What runs in the sandbox, and the layer of packages it needs: the job's command, or
    for `uv run` the script or command after its dependencies are installed (jobs/uv.py)."""
    run = uv_run_parse(job.command)
    if run is None:
        return [*job.command, *job.arguments], None
    if run.python and not runtime.version.startswith(run.python.removeprefix("python") + "."):
        writer.line(f"[job] uv run --python {run.python}: this hub runs Python {runtime.version}")
    requirements = list(run.dependencies)
    args = [*run.args, *job.arguments]
    if job.script:
        (workdir / job.script_name).write_text(job.script)
        (workdir / job.script_name).chmod(0o644)
        requirements += script_dependencies(job.script)
        command = ["python", job.script_name, *args]
    elif run.is_script:
        script = host_path(mounts, run.target)  # a local script, shipped in a volume
        command = ["python", run.target, *args]
        if script is not None and script.is_file():
            requirements += script_dependencies(script.read_text(errors="replace"))
    else:
        command = [run.target, *args]
    return command, layer_ready(requirements, python=runtime.python, say=writer.line)


def _with_layer(sandbox: Sandbox, layer: Path) -> Sandbox:
    env = {
        **sandbox.env,
        "PATH": f"{LAYER}/bin:{sandbox.env['PATH']}",
        "PYTHONPATH": LAYER,
    }
    return replace(sandbox, ro_binds=[*sandbox.ro_binds, (layer, LAYER)], env=env)


def _say_runtime(job: Job, runtime: Runtime, writer: LogWriter) -> None:
    wanted = job.image.partition(":")[2]
    if "3." in wanted and f"3.{runtime.version.split('.')[1]}" not in wanted:
        writer.line(f"[job] {job.image} runs on this hub's Python {runtime.version}")


def _hub_address() -> tuple[str, int]:
    url = urlsplit(settings.HUB_INTERNAL_URL or "")
    if url.scheme != "http" or not url.hostname:
        raise RuntimeUnavailable(
            "HUB_INTERNAL_URL (the hub's http:// address as workers reach it) is not set"
        )
    return url.hostname, url.port or 80


def _sandbox(
    job: Job, secrets: dict[str, str], runtime: Runtime, workdir: Path, outbound: Outbound,
    uid: int,
) -> Sandbox:  # fmt: skip
    env = {**job.environment, **secrets}  # the hub's own names below win over the job's
    env.update({
        "PATH": f"{runtime.bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/home/user",
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        # glibc's per-thread arenas reserve address space that RLIMIT_AS counts.
        "MALLOC_ARENA_MAX": "2",
        "HF_ENDPOINT": f"http://127.0.0.1:{outbound.port}",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "JOB_ID": job.id,
    })  # fmt: skip
    limits = Limits(
        memory_mb=settings.HUB_JOBS_MEMORY_MB,
        cpu_seconds=settings.HUB_SANDBOX_CPU_SECONDS or None,
        processes=settings.HUB_SANDBOX_PROCESSES,
        disk_mb=settings.HUB_JOBS_DISK_MB,
        open_files=settings.HUB_SANDBOX_OPEN_FILES,
    )
    return Sandbox(
        workdir=workdir, ro_binds=runtime.binds, env=env, limits=limits, uid=uid,
        outbound=outbound,
    )  # fmt: skip


def _supervise(
    job: Job, sandbox: Sandbox, command: list[str], writer: LogWriter, mounted: list[Mounted]
) -> tuple[str, str]:
    read_fd, write_fd = os.pipe()
    try:
        process = sandbox_start(sandbox, command, log=write_fd)
    except (OSError, subprocess.SubprocessError):
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
    reader = threading.Thread(target=writer.pump, args=(read_fd,), daemon=True)
    reader.start()
    with _running_lock:
        _running[job.id] = process
    try:
        outcome = _wait(job, process, writer, mounted)
    finally:
        process.kill()
        with _running_lock:
            _running.pop(job.id, None)
        reader.join(timeout=10)
    return outcome


def _wait(
    job: Job, process: SandboxProcess, writer: LogWriter, mounted: list[Mounted]
) -> tuple[str, str]:
    deadline = time.monotonic() + job.timeout_seconds
    next_check = time.monotonic() + _CANCEL_CHECK_SECONDS
    while True:
        try:
            code = process.wait(timeout=_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            code = None
        if code is not None:
            if code == 0:
                return Stage.COMPLETED, ""
            return Stage.ERROR, f"The job exited with status {code}"
        if writer.flooded:
            return Stage.ERROR, f"The job's log passed {settings.HUB_JOBS_LOG_MAX_BYTES} bytes"
        if time.monotonic() > deadline:
            writer.line(f"[job] Timed out after {job.timeout_seconds} s")
            return Stage.ERROR, f"The job timed out after {job.timeout_seconds} s"
        if time.monotonic() > next_check:
            next_check = time.monotonic() + _CANCEL_CHECK_SECONDS
            if volumes_size(mounted) > settings.HUB_JOBS_DISK_MB * MB:
                limit = settings.HUB_JOBS_DISK_MB
                writer.line(f"[job] The writable volumes passed {limit} MiB")
                return Stage.ERROR, f"The job's writable volumes passed {limit} MiB"
            close_old_connections()
            if (
                Job.objects.filter(pk=job.id).values_list("stage", flat=True).first()
                != Stage.RUNNING
            ):
                return Stage.CANCELED, ""


def jobs_release() -> None:
    """The worker stops: every job it runs is killed (its task then ends it as ERROR)."""
    with _running_lock:
        running = list(_running.items())
    for job_id, process in running:
        job_end(job_id=job_id, stage=Stage.ERROR, message="The hub stopped while the job ran")
        with contextlib.suppress(OSError):
            process.kill()
