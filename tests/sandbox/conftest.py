import itertools
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sandbox.runner import Limits, Sandbox, SandboxProcess, sandbox_start

PROGRAMS = Path(__file__).with_name("programs")
# A host uid of its own per sandbox, so the tests can count exactly its processes.
_uids = itertools.count(60000 + os.getpid() % 500 * 10)


def uid_processes(uid: int) -> list[int]:
    """Host pids alive as `uid` (the sandbox's processes, seen from outside). A zombie is
    dead: it waits for the host's init, which adopted it, to read its status."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(x.split(":", 1) for x in status.splitlines())
        if int(fields["Uid"].split()[0]) == uid and not fields["State"].strip().startswith("Z"):
            found.append(int(pid))
    return found


def reports(log: Path) -> list[dict]:
    """The JSON lines a program printed to its log."""
    return [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]


class Started:
    def __init__(self, process: SandboxProcess, log: Path, uid: int) -> None:
        self.process, self.log, self.uid = process, log, uid

    def reports(self) -> list[dict]:
        return reports(self.log)


@pytest.fixture
def workdir() -> Iterator[Path]:
    # Not under pytest's tmp_path: its root is 0700, and bwrap binds the workdir as the
    # sandbox's uid, which must be able to reach it.
    path = Path(tempfile.mkdtemp(prefix="sandbox-test-"))
    path.chmod(0o755)
    for program in PROGRAMS.iterdir():
        shutil.copy(program, path / program.name)
        (path / program.name).chmod(0o644)
    yield path
    shutil.rmtree(path)


@pytest.fixture
def start(workdir: Path, tmp_path: Path) -> Iterator[Callable[..., Started]]:
    """Start a program from tests/sandbox/programs in a sandbox; killed at the end."""
    started: list[Started] = []

    def run(*command: str, limits: Limits | None = None, port: int | None = None) -> Started:
        uid = next(_uids)
        sandbox = Sandbox(
            workdir=workdir,
            ro_binds=[],
            env={"PATH": "/usr/bin:/bin", "HOME": "/home/user"},
            limits=limits or Limits(memory_mb=256, processes=32, disk_mb=64),
            port=port,
            uid=uid,
        )
        log = tmp_path / f"log-{uid}.txt"
        started.append(Started(sandbox_start(sandbox, list(command), log=log), log, uid))
        return started[-1]

    yield run
    for s in started:
        s.process.kill()
