"""kill() and the death of the worker that started it end the whole sandbox tree."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.sandbox.conftest import uid_processes

ROOT = Path(__file__).resolve().parents[2]
SPAWNER = """
import sys, time
from pathlib import Path
from sandbox.runner import Limits, Sandbox, sandbox_start
sandbox = Sandbox(workdir=Path(sys.argv[1]), ro_binds=[], env={}, limits=Limits(),
                  uid=int(sys.argv[2]))
command = ["/usr/bin/python3", "hostile.py", "fork-bomb"]
sandbox_start(sandbox, command, log=Path(sys.argv[3]))
print("started", flush=True)
time.sleep(60)
"""


def wait_until_none(uid: int, seconds: float = 5) -> list[int]:
    deadline = time.monotonic() + seconds
    while (alive := uid_processes(uid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


def test_kill_ends_the_whole_tree_and_removes_the_socket(start):
    started = start("python3", "hostile.py", "fork-bomb", port=8000)
    time.sleep(0.5)
    assert len(uid_processes(started.uid)) > 3  # bwrap, launcher, the bomb and its children
    started.process.kill()
    assert started.process.poll() is not None
    assert uid_processes(started.uid) == []
    assert not started.process.socket.exists()


def test_the_sandbox_dies_with_the_worker_that_started_it(workdir, tmp_path):
    uid = 60000 + os.getpid() % 500 * 10 + 9
    worker = subprocess.Popen(
        [sys.executable, "-c", SPAWNER, str(workdir), str(uid), str(tmp_path / "log")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    assert worker.stdout.readline() == b"started\n"
    time.sleep(0.5)
    assert len(uid_processes(uid)) > 3
    worker.send_signal(signal.SIGKILL)  # no cleanup of its own: the kernel's part only
    worker.wait()
    assert wait_until_none(uid) == []
    # What the dead worker could not clean up (docs/operations.md says so): its run directory.
    for rundir in Path(tempfile.gettempdir()).glob("minihub-sandbox-*"):
        if (rundir / "sock").stat().st_uid == uid:
            shutil.rmtree(rundir)
