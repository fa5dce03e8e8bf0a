"""Scaling out: throughput of downloads and small API calls with one web process, then two.

Two gunicorn processes (1 worker, 8 threads each), started the same way on the hub's data,
database and broker, serve on two ports; the load comes from `wrk` (C, event-driven), so the
load generator takes little of the CPU the web processes need. The same `wrk` run (two
threads of `--connections` keep-alive connections in all, `--seconds` long) points both its
threads at the first process, then one thread at each (two web processes behind a load
balancer, on one machine). Ratio: what the second process adds, as a share of what the
first serves alone; target at least 0.6x.

    .venv/bin/python -m bench.scale [--seconds 10] [--connections 16] [--rounds 3] [--smoke]
"""

import os

os.environ.update(HF_HUB_DISABLE_XET="1", HF_HUB_DISABLE_TELEMETRY="1",
                  HF_HUB_DISABLE_PROGRESS_BARS="1")  # fmt: skip

import resource  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import ExitStack, contextmanager  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx2 as httpx  # noqa: E402
import psutil  # noqa: E402
from huggingface_hub import HfApi  # noqa: E402

from bench.common import live_hub, parser, race, run_wrk, table, verdict  # noqa: E402
from tests.live import free_port, wait_until  # noqa: E402

TARGET_GAIN = 0.6
WRK_THREADS = 2  # one per web process in the second measure
# The download: a 64 KiB LFS file through /resolve/ (the hub checks the repo, the ref and
# the object's link, counts the download, then sendfile). The API call: model_info
# (token, repo and visibility from the database, the file list from git).
WORKLOADS = {"download": "/{repo}/resolve/main/weights.bin", "api": "/api/models/{repo}"}
# wrk's threads each take one address in turn; `done` prints what the run did, one line.
WRK_SCRIPT = """
local ports = {%s}
local next_port = 1

function setup(thread)
   thread.addr = wrk.lookup("127.0.0.1", ports[next_port])[1]
   next_port = next_port %% #ports + 1
end
"""


@dataclass
class Measure:
    requests: int
    seconds: float
    web_cpu: float  # CPU seconds the web processes used
    wrk_cpu: float  # CPU seconds the load generator used
    busy: float  # share of the machine's CPU that was busy

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def _wrk(ports: list[int], url: str, token: str, seconds: int, connections: int) -> Measure:
    """One wrk run of `seconds` against `ports`; every answer must be a success."""
    script = WRK_SCRIPT % ", ".join(f'"{port}"' for port in ports)
    args = ["--threads", str(WRK_THREADS), "--connections", str(connections),
            "--duration", f"{seconds}s", "--timeout", "30s",
            "--header", f"Authorization: Bearer {token}", url]  # fmt: skip
    web = _web_processes()
    web_before, machine_before = _cpu(web), psutil.cpu_times()
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    requests, elapsed = run_wrk(script, args)
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    machine = psutil.cpu_times()
    total = sum(machine) - sum(machine_before)
    idle = machine.idle + machine.iowait - machine_before.idle - machine_before.iowait
    wrk_cpu = sum(getattr(wrk_after, f) - getattr(wrk_before, f) for f in ("ru_utime", "ru_stime"))
    return Measure(requests, elapsed, _cpu(web) - web_before, wrk_cpu, 1 - idle / total)


def _web_processes() -> list[psutil.Process]:
    """The gunicorn processes this benchmark started (the ones it measures)."""
    mine = psutil.Process().children(recursive=True)
    return [p for p in mine if "bench-scale-web" in " ".join(p.cmdline())]


def _cpu(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        times = process.cpu_times()
        total += times.user + times.system
    return total


@contextmanager
def web_process(hub, logs: Path) -> Iterator[int]:
    """A gunicorn process on the hub's data, database and broker; yields its port.

    Each logs its requests to a file of its own, as an operator's processes would.
    """
    port = free_port()
    with (logs / f"web-{port}.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "hubsite.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", "1", "--threads", "8", "--worker-class",
             "gthread", "--name", "bench-scale-web"],
            env=hub.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_until(lambda: _answers(port), timeout=60, message=f"the web process on {port}")
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/models", timeout=15).status_code == 200
    except httpx.HTTPError:
        return False


def main() -> None:
    cli = parser(__doc__.splitlines()[0])
    cli.add_argument("--seconds", type=int, default=10, help="length of each measure")
    cli.add_argument("--connections", type=int, default=16, help="keep-alive connections")
    args = cli.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench.scale needs wrk (the HTTP load generator): run `make system-deps`")
    seconds = 1 if args.smoke else args.seconds
    rounds = 1 if args.smoke else args.rounds
    results = {}
    with tempfile.TemporaryDirectory(prefix="minihub-bench-") as tmp, ExitStack() as stack:
        hub = stack.enter_context(live_hub(Path(tmp), HUB_WEB_WORKERS="1"))
        api = HfApi(endpoint=hub.url, token=hub.token)
        repo = api.create_repo("bench-scale").repo_id
        api.upload_file(path_or_fileobj=os.urandom(64 * 1024), path_in_repo="weights.bin",
                        repo_id=repo)  # fmt: skip
        ports = [stack.enter_context(web_process(hub, Path(tmp))) for _ in range(2)]
        for name, path in WORKLOADS.items():
            url = f"http://127.0.0.1:{ports[0]}" + path.format(repo=repo)
            for port in ports:  # each process answers, warmed up, before any timing
                _wrk([port], url, hub.token, 1, args.connections)
            alone, joined = [], []
            race(
                rounds,
                lambda _, m=alone, u=url: _timed(m, [ports[0]], u, hub.token, seconds, args),
                lambda _, m=joined, u=url: _timed(m, ports, u, hub.token, seconds, args),
            )
            results[name] = (max(alone, key=_rate), max(joined, key=_rate))
    _report(results, args.connections, rounds)


def _timed(measures: list[Measure], ports: list[int], url: str, token: str, seconds: int,
           args) -> float:  # fmt: skip
    """Seconds per request (what `race` keeps the best of); the whole measure is kept too."""
    measure = _wrk(ports, url, token, seconds, args.connections)
    measures.append(measure)
    return 1 / measure.rate


def _rate(measure: Measure) -> float:
    return measure.rate


def _report(results: dict[str, tuple[Measure, Measure]], connections: int, rounds: int) -> None:
    for name, (one, two) in results.items():
        table(
            f"{name}: wrk, {WRK_THREADS} threads, {connections} keep-alive connections, "
            f"best of {rounds}",
            [
                ("1 web process (baseline)", one.seconds, f"{one.rate:.0f}"),
                ("2 web processes", two.seconds, f"{two.rate:.0f}"),
            ],
            unit="requests/s",
        )
        for label, measure in (("1 process", one), ("2 processes", two)):
            print(f"  {label}: {measure.requests} requests; per request the web processes "
                  f"used {measure.web_cpu * 1000 / measure.requests:.2f} ms of CPU and wrk "
                  f"{measure.wrk_cpu * 1000 / measure.requests:.2f} ms; the machine's CPU was "
                  f"{measure.busy:.0%} busy")  # fmt: skip
        gain = two.rate / one.rate - 1
        print(f"ratio {gain:.2f}x {name}: what a second web process adds to the first "
              f"(target >= {TARGET_GAIN}x): {verdict(gain >= TARGET_GAIN)}")  # fmt: skip


if __name__ == "__main__":
    main()
