"""A hostile program forks without end, eats memory, fills its disk, spins: each is bounded."""

import subprocess
import time

from sandbox.runner import Limits
from tests.sandbox.conftest import uid_processes


def test_a_fork_bomb_is_bounded_by_the_process_limit_and_the_host_keeps_running(start):
    started = start("python3", "hostile.py", "fork-bomb", limits=Limits(processes=32))
    time.sleep(1.5)
    assert started.process.poll() is None  # still forking, or trying to
    assert 25 <= len(uid_processes(started.uid)) <= 32
    assert subprocess.run(["true"], timeout=5).returncode == 0  # the host still forks
    started.process.kill()
    assert started.process.poll() is not None
    assert uid_processes(started.uid) == []


def test_allocating_past_the_memory_limit_ends_the_program(start):
    limits = Limits(memory_mb=128, disk_mb=16)
    started = start("python3", "hostile.py", "memory", "2048", limits=limits)
    assert started.process.wait(timeout=20) != 0
    results = started.reports()
    assert not any(r.get("reached") for r in results)
    # Its memory is bounded by memory, disk and /dev/shm together (tmpfs pages count).
    assert max(r["allocated_mb"] for r in results) <= 128 + 16 + 64


def test_filling_the_disk_stops_at_the_disk_limit(start, workdir):
    started = start("python3", "hostile.py", "disk", "64", limits=Limits(disk_mb=16))
    assert started.process.wait(timeout=20) == 0
    [result] = started.reports()
    assert result["reached"] is False
    assert result["error"] == "ENOSPC"
    assert result["written_mb"] < 16
    assert not list(workdir.glob("fill-*"))  # nothing reached the host's directory


def test_running_past_the_cpu_limit_ends_the_program(start):
    started = start("python3", "hostile.py", "cpu", limits=Limits(cpu_seconds=1))
    begun = time.monotonic()
    assert started.process.wait(timeout=10) != 0
    assert time.monotonic() - begun < 5
    assert started.reports() == [{"target": "cpu", "started": True}]
