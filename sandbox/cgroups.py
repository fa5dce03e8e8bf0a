"""Memory and process limits for a whole sandbox tree, when the host lets us create cgroups.

rlimits count per process (RLIMIT_AS) or per host uid (RLIMIT_NPROC); a cgroup counts the
whole tree of one sandbox, tmpfs pages included. Works on cgroup v1 (a `memory` and a `pids`
hierarchy) and on v2 when our own cgroup's subtree may enable both controllers; anywhere
else `cgroup_create` answers None and the runner falls back to rlimits.
"""

import contextlib
import os
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PARENT = "minihub-sandbox"


@dataclass(frozen=True)
class Cgroup:
    dirs: tuple[Path, ...]  # one per hierarchy (v1), or one (v2)

    def pids(self) -> set[int]:
        found: set[int] = set()
        for d in self.dirs:
            with contextlib.suppress(OSError):
                found.update(int(p) for p in (d / "cgroup.procs").read_text().split())
        return found

    def kill(self) -> None:
        """SIGKILL every process in the group until it is empty (a fork races the reads)."""
        deadline = time.monotonic() + 5
        while (pids := self.pids()) and time.monotonic() < deadline:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def remove(self) -> None:
        for d in self.dirs:
            with contextlib.suppress(OSError):
                d.rmdir()


def _own_paths() -> dict[str, str]:
    """This process's cgroup path per controller ("" for v2's unified hierarchy)."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _make(base: Path, settings: dict[str, int]) -> Path:
    parent = base / PARENT
    parent.mkdir(exist_ok=True)
    group = parent / uuid.uuid4().hex
    group.mkdir()
    try:
        for name, value in settings.items():
            (group / name).write_text(str(value))
    except OSError:
        group.rmdir()
        raise
    return group


def cgroup_create(*, memory_bytes: int, processes: int) -> Cgroup | None:
    own = _own_paths()
    made: list[Path] = []
    try:
        if (ROOT / "cgroup.controllers").exists():  # v2 mounted at the root
            base = ROOT / own[""].lstrip("/")
            (base / PARENT).mkdir(exist_ok=True)
            (base / PARENT / "cgroup.subtree_control").write_text("+memory +pids")
            limits = {"memory.max": memory_bytes, "memory.swap.max": 0, "pids.max": processes}
            made.append(_make(base, limits))
        else:
            memory_base = ROOT / "memory" / own["memory"].lstrip("/")
            made.append(_make(memory_base, {"memory.limit_in_bytes": memory_bytes}))
            with contextlib.suppress(OSError):  # absent without swap accounting
                (made[0] / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
            pids_base = ROOT / "pids" / own["pids"].lstrip("/")
            made.append(_make(pids_base, {"pids.max": processes}))
    except (OSError, KeyError):
        Cgroup(tuple(made)).remove()
        return None
    return Cgroup(tuple(made))
