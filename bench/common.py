"""What the benchmarks share: a live hub with a user, interleaved best-of timing, the report."""

import argparse
import math
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.live import LiveHub

MiB = 1024 * 1024
_UNITS = {"": 1, "k": 1024, "m": MiB, "g": 1024 * MiB}


def byte_size(text: str) -> int:
    """`1GiB`, `8MiB`, `512k` or a plain number of bytes."""
    match = re.fullmatch(r"(\d+)\s*([kmg]?)(?:i?b)?", text.strip().lower())
    if match is None:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 1GiB or 8MiB)")
    return int(match[1]) * _UNITS[match[2]]


def parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=3, help="best of this many runs each")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one round")
    return parser


def file_size_and_rounds(description: str) -> tuple[int, int]:
    """The command line of the one-file benchmarks: the file's size and the rounds to run."""
    cli = parser(description)
    cli.add_argument("--size", type=byte_size, default="1GiB", help="file size, e.g. 1GiB")
    args = cli.parse_args()
    return (8 * MiB, 1) if args.smoke else (args.size, args.rounds)


@contextmanager
def live_hub(workdir: Path, **env: str) -> Iterator[LiveHub]:
    """A fresh `manage.py serve` on the embedded default, with user alice and her write token.

    `env` sets HUB_* variables of that hub (e.g. HUB_WEB_WORKERS).
    """
    hub = LiveHub(workdir / "hub", **env).start()
    try:
        hub.manage("createuser", "alice", "--password", "bench-password-1")
        hub.token = hub.manage("createtoken", "alice").stdout.strip()
        yield hub
    finally:
        hub.stop()


def write_random(path: Path, size: int) -> None:
    """Writes `size` incompressible bytes to `path`."""
    with path.open("wb") as handle:
        for start in range(0, size, 8 * MiB):
            handle.write(os.urandom(min(size - start, 8 * MiB)))


def race(rounds: int, baseline: Callable[[int], float],
         subject: Callable[[int], float]) -> tuple[float, float]:  # fmt: skip
    """The fastest of `rounds` timings each, alternating so drift and neighbours hit both alike.

    Each callable times its own work (setup and cleanup stay outside) and gets the round.
    Each starts with no dirty pages left to write, so no run pays for the one before.
    """
    best = [math.inf, math.inf]
    for number in range(rounds):
        for side, run in enumerate((baseline, subject)):
            os.sync()
            best[side] = min(best[side], run(number))
    return best[0], best[1]


def table(title: str, rows: list[tuple[str, float, str]], unit: str) -> None:
    """One row per side: its best time and the rate that makes (already formatted)."""
    print(f"{title} ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f})")
    print(f"  {'':<30}{'seconds':>10}{unit:>14}")
    for name, seconds, rate in rows:
        print(f"  {name:<30}{seconds:>10.3f}{rate:>14}")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# Appended to every wrk script: wrk's report as one line, "wrk-summary <requests>
# <microseconds> <failed requests>".
_WRK_DONE = """
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("wrk-summary %d %d %d\\n", summary.requests, summary.duration,
                          e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def run_wrk(script: str, args: list[str]) -> tuple[int, float]:
    """Runs `wrk` with the Lua `script` and `args`; every answer must be a success.

    Returns the number of requests and the seconds they took.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script + _WRK_DONE)
        lua.flush()
        run = subprocess.run(["wrk", "--script", lua.name, *args], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    summary = next(line for line in run.stdout.splitlines() if line.startswith("wrk-summary"))
    requests, micros, failed = (int(n) for n in summary.split()[1:])
    assert failed == 0, f"{failed} of {requests} requests failed:\n{run.stdout}"
    return requests, micros / 1e6
