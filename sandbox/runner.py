"""Run an untrusted program in bubblewrap: its own user, filesystem view, network and limits.

The one runner for user code (Spaces, then Jobs). It knows paths, a command, an environment
and limits, nothing of repos or requests. What the program gets:
- a read-only system (/usr and the few /etc files programs need; no /etc/shadow), the
  caller's `ro_binds` (and `rw_binds`, folders of the program's own), and one writable
  tmpfs at /home/user of `disk_mb`, where /home/user/app (the cwd) starts as a copy of
  `workdir` and /tmp points;
- its own user, pid, ipc, uts, cgroup and network namespaces: no route out, nothing of the
  host's loopback; the only way in is the Unix socket the relay listens on, and the only
  way out, when the caller gives one, is `outbound`: a Unix socket on the host that the
  program reaches as 127.0.0.1:port inside (the caller decides what answers there);
- a host uid of its own (`uid`), no capabilities, no_new_privs, a cleared environment;
- memory and process limits for the whole tree (cgroups when the host allows, else
  RLIMIT_AS per process and RLIMIT_NPROC per uid), RLIMIT_CPU, RLIMIT_NOFILE, RLIMIT_FSIZE.
The caller must run as root: only root can switch to the sandbox's uid and create cgroups.
docs/operations.md ("The sandbox") says what holds and what does not.
"""

import contextlib
import ctypes
import json
import os
import resource
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.cgroups import Cgroup, cgroup_create

BWRAP = "/usr/bin/bwrap"
# The sandbox's own interpreter for the launcher and relay: under the read-only /usr.
PYTHON = "/usr/bin/python3"
HOME = "/home/user"
APP = f"{HOME}/app"
RUN = "/run/sandbox"  # inside: the launcher, the environment file, the seed, the socket
MB = 1024 * 1024
# The few /etc files dynamic linking, name services and TLS read; nothing else of /etc.
ETC_FILES = [
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "nsswitch.conf",
    "host.conf",
    "localtime",
    "mime.types",
    "protocols",
    "services",
    "ssl/certs",
    "ca-certificates",
    "ca-certificates.conf",
]
SHM_MB = 64
PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 1024  # the tree's memory (cgroup); cgroup-less: RLIMIT_AS per process
    cpu_seconds: int | None = None  # RLIMIT_CPU, per process
    processes: int = 64  # tasks (threads count) in the tree; cgroup-less: RLIMIT_NPROC per uid
    disk_mb: int = 512  # size of the writable tmpfs at /home/user; also RLIMIT_FSIZE
    open_files: int = 256  # RLIMIT_NOFILE, per process


@dataclass(frozen=True)
class Outbound:
    """A host Unix socket the program reaches as 127.0.0.1:`port` in its own network."""

    socket: Path  # must accept connections from the sandbox's uid
    port: int


@dataclass(frozen=True)
class Sandbox:
    workdir: Path  # copied into the writable /home/user/app (cwd); must be readable by uid
    ro_binds: list[tuple[Path, str]]  # (host path, path inside), read-only
    env: dict[str, str]  # exactly the environment the program sees (nothing inherited)
    limits: Limits
    port: int | None = None  # a TCP port the program listens on inside its own netns
    uid: int = 65534  # the host uid (and gid) it runs as; one per running sandbox
    outbound: Outbound | None = None  # the one way out of its network namespace
    # (host path, path inside), writable: the host path must belong to `uid`.
    rw_binds: list[tuple[Path, str]] = field(default_factory=list)


class SandboxProcess:
    """A started sandbox. `pid` is bwrap's; killing it ends the sandbox's pid namespace."""

    def __init__(
        self, popen: subprocess.Popen, rundir: Path, cgroup: Cgroup | None, socket: Path | None
    ) -> None:
        self._popen = popen
        self._rundir = rundir
        self._cgroup = cgroup
        self.pid = popen.pid
        self.socket = socket

    def poll(self) -> int | None:
        code = self._popen.poll()
        if code is not None:
            self._cleanup()
        return code

    def wait(self, timeout: float | None = None) -> int:
        """The exit status; raises subprocess.TimeoutExpired if still running after timeout."""
        code = self._popen.wait(timeout)
        self._cleanup()
        return code

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self._popen.kill()
        if self._cgroup:
            self._cgroup.kill()
        self.wait()

    def _cleanup(self) -> None:
        if self._cgroup:
            self._cgroup.kill()  # nothing may outlive bwrap; pid 1 of the namespace is gone
            self._cgroup.remove()
        shutil.rmtree(self._rundir, ignore_errors=True)


def sandbox_start(sandbox: Sandbox, command: list[str], *, log: Path | int) -> SandboxProcess:
    """Start `command` in the sandbox, its output appended to `log` (a path, or the write end
    of a pipe the caller reads and keeps open); dies with this thread.

    PR_SET_PDEATHSIG fires when the thread that started the sandbox ends: start it from a
    thread that lives as long as the sandbox should (a worker process's main thread).
    """
    if sandbox.uid <= 0:
        raise ValueError("a sandbox never runs as root")
    limits = sandbox.limits
    rundir = _rundir_create(sandbox)
    cgroup = cgroup_create(
        memory_bytes=(limits.memory_mb + limits.disk_mb + SHM_MB) * MB,
        processes=limits.processes,
    )
    rlimits = _rlimits(limits, cgroup is not None)
    try:
        with open(log, "ab", closefd=isinstance(log, Path)) as out:
            out.write(_describe(limits, cgroup is not None).encode())
            out.flush()
            # preexec_fn, not a wrapper program: the cgroup must hold the process before
            # bwrap forks, and the parent-death signal must be set after the uid change.
            popen = subprocess.Popen(
                _bwrap_args(sandbox, rundir, command),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                env={},
                cwd="/",
                preexec_fn=_child_setup(cgroup, rlimits, sandbox.uid, os.getpid()),
            )
    except (OSError, subprocess.SubprocessError):
        if cgroup:
            cgroup.remove()
        shutil.rmtree(rundir, ignore_errors=True)
        raise
    socket = rundir / "sock" / "app.sock" if sandbox.port else None
    return SandboxProcess(popen, rundir, cgroup, socket)


def _rundir_create(sandbox: Sandbox) -> Path:
    """Host files bound into the sandbox: bwrap reads them as the sandbox's uid."""
    rundir = Path(tempfile.mkdtemp(prefix="minihub-sandbox-"))
    rundir.chmod(0o711)
    uid = sandbox.uid
    shutil.copy(Path(__file__).with_name("inside.py"), rundir / "inside.py")
    files = {
        "passwd": f"root:x:0:0::/root:/usr/sbin/nologin\nuser:x:{uid}:{uid}::{HOME}:/bin/sh\n",
        "group": f"root:x:0:\nuser:x:{uid}:\n",
        "hosts": "127.0.0.1 localhost\n::1 localhost\n",
        "env.json": json.dumps(sandbox.env),
    }
    for name, text in files.items():
        (rundir / name).write_text(text)
        (rundir / name).chmod(0o644)
    # Only the sandbox's uid may read its environment (it carries the Space's secrets).
    os.chown(rundir / "env.json", uid, uid)
    (rundir / "env.json").chmod(0o400)
    (rundir / "sock").mkdir(mode=0o700)
    os.chown(rundir / "sock", uid, uid)
    return rundir


def _bwrap_args(sandbox: Sandbox, rundir: Path, command: list[str]) -> list[str]:
    disk = str(sandbox.limits.disk_mb * MB)
    args = [BWRAP, "--unshare-all", "--die-with-parent", "--new-session"]
    args += ["--uid", str(sandbox.uid), "--gid", str(sandbox.uid), "--cap-drop", "ALL"]
    args += ["--clearenv", "--hostname", "sandbox"]
    args += ["--ro-bind", "/usr", "/usr"]
    for top in ("bin", "sbin", "lib", "lib32", "lib64"):
        host = Path("/") / top
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), f"/{top}"]
        elif host.is_dir():
            args += ["--ro-bind", str(host), f"/{top}"]
    for name in ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    for name in ("passwd", "group", "hosts"):
        args += ["--ro-bind", str(rundir / name), f"/etc/{name}"]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(SHM_MB * MB), "--tmpfs", "/dev/shm", "--remount-ro", "/dev"]
    args += ["--size", disk, "--perms", "0700", "--tmpfs", HOME, "--dir", APP]
    args += ["--symlink", f"{HOME}/tmp", "/tmp"]
    args += ["--ro-bind", str(rundir / "inside.py"), f"{RUN}/inside.py"]
    args += ["--ro-bind", str(rundir / "env.json"), f"{RUN}/env.json"]
    args += ["--ro-bind", str(sandbox.workdir), f"{RUN}/seed"]
    if sandbox.port:
        args += ["--bind", str(rundir / "sock"), f"{RUN}/sock"]
    if sandbox.outbound:
        args += ["--ro-bind", str(sandbox.outbound.socket), f"{RUN}/out.sock"]
    for host_path, inside in sandbox.ro_binds:
        args += ["--ro-bind", str(host_path), inside]
    for host_path, inside in sandbox.rw_binds:
        args += ["--bind", str(host_path), inside]
    args += ["--remount-ro", "/", "--chdir", APP]
    socket_inside = f"{RUN}/sock/app.sock" if sandbox.port else ""
    port = str(sandbox.port or "")
    out = sandbox.outbound
    outbound = [f"{RUN}/out.sock", str(out.port)] if out else ["", ""]
    args += [PYTHON, "-I", "-S", f"{RUN}/inside.py", f"{RUN}/seed", APP, f"{RUN}/env.json"]
    return [*args, socket_inside, port, *outbound, "--", *command]


def _rlimits(limits: Limits, cgroup: bool) -> dict[int, int]:
    # With a cgroup the tree's memory and task count are held there: RLIMIT_AS would break
    # programs that reserve address space they never touch (glibc's per-thread arenas), and
    # RLIMIT_NPROC counts every process of the uid, not of this sandbox.
    found = {resource.RLIMIT_NOFILE: limits.open_files, resource.RLIMIT_FSIZE: limits.disk_mb * MB}
    if limits.cpu_seconds:
        found[resource.RLIMIT_CPU] = limits.cpu_seconds
    if not cgroup:
        found[resource.RLIMIT_AS] = limits.memory_mb * MB
        found[resource.RLIMIT_NPROC] = limits.processes
    found[resource.RLIMIT_CORE] = 0
    return found


def _child_setup(
    cgroup: Cgroup | None, rlimits: dict[int, int], uid: int, parent: int
) -> Callable[[], None]:
    """Runs in the forked child before exec: join the cgroup, limit, drop to uid, die with us."""

    def setup() -> None:
        for d in cgroup.dirs if cgroup else ():
            (d / "cgroup.procs").write_text("0")  # "0": the writing process
        for which, value in rlimits.items():
            hard = resource.getrlimit(which)[1]
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            # CPU: SIGXCPU at the soft limit, SIGKILL a second later if it is caught.
            extra = 1 if which == resource.RLIMIT_CPU and value < hard else 0
            resource.setrlimit(which, (value, value + extra))
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        # After the uid change, which clears it; bwrap's --die-with-parent covers its child.
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took hold
            os._exit(1)

    return setup


def _describe(limits: Limits, cgroup: bool) -> str:
    how = "cgroup" if cgroup else "rlimit"
    cpu = f"{limits.cpu_seconds} s per process" if limits.cpu_seconds else "unlimited"
    return (
        f"[sandbox] memory {limits.memory_mb} MB ({how}), processes {limits.processes} ({how}),"
        f" cpu {cpu}, disk {limits.disk_mb} MB (tmpfs), open files {limits.open_files}\n"
    )
