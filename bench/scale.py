"""Scaling out: throughput of downloads and small API calls with one web process, then two.

The hub runs one gunicorn process (8 threads); a second one, started with the same settings
on another port, joins for the second measure (two web processes behind a load balancer,
on one machine). Client processes (keep-alive connections, spread over the ports in use)
make a fixed number of requests; the time it takes gives the throughput. Ratio: what the
second process adds, as a share of what the first serves alone; target at least 0.6x.

    .venv/bin/python -m bench.scale [--requests 3000] [--clients 4] [--rounds 3] [--smoke]
"""

import os

os.environ.update(HF_HUB_DISABLE_XET="1", HF_HUB_DISABLE_TELEMETRY="1",
                  HF_HUB_DISABLE_PROGRESS_BARS="1")  # fmt: skip

import multiprocessing  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx2 as httpx  # noqa: E402
import psutil  # noqa: E402
from huggingface_hub import HfApi  # noqa: E402

from bench.common import live_hub, parser, race, table, verdict  # noqa: E402
from tests.live import free_port, wait_until  # noqa: E402

TARGET_GAIN = 0.6
THREADS = 4  # per client process
# The download: a 64 KiB LFS file through /resolve/ (the hub checks the repo, the ref and
# the object's link, then sendfile). The API call: model_info (database and git reads).
WORKLOADS = {"download": "/{repo}/resolve/main/weights.bin", "api": "/api/models/{repo}"}


def _client(urls: list[str], token: str, count: int) -> int:
    """One client process: `count` GETs over THREADS keep-alive connections; returns the
    number answered 200."""
    ok, lock = [0], threading.Lock()

    def work(url: str, share: int) -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
            done = sum(http.get(url).status_code == 200 for _ in range(share))
        with lock:
            ok[0] += done

    threads = [
        threading.Thread(target=work, args=(urls[n % len(urls)], count // THREADS))
        for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return ok[0]


def _timed(pool, urls: list[str], token: str, clients: int, requests: int,
           runs: list[tuple[float, float, float]]) -> float:  # fmt: skip
    """Seconds for `clients` processes to make `requests` GETs spread over `urls`.

    Appends (seconds, CPU seconds of the web processes, share of the machine's CPU busy)
    to `runs`: what explains a second process adding less than the first.
    """
    share = requests // clients
    web = _web_processes()
    web_before, machine_before = _cpu(web), psutil.cpu_times()
    start = time.perf_counter()
    answered = pool.starmap(_client, [(urls[n % len(urls):] + urls[:n % len(urls)], token, share)
                                      for n in range(clients)])  # fmt: skip
    elapsed = time.perf_counter() - start
    machine = psutil.cpu_times()
    total = sum(machine) - sum(machine_before)
    idle = machine.idle + machine.iowait - machine_before.idle - machine_before.iowait
    runs.append((elapsed, _cpu(web) - web_before, 1 - idle / total))
    expected = clients * (share // THREADS) * THREADS
    assert sum(answered) == expected, f"{sum(answered)} of {expected} requests answered 200"
    return elapsed


def _web_processes() -> list[psutil.Process]:
    """Every gunicorn process on this machine that serves this benchmark's hub."""
    mine = psutil.Process().children(recursive=True)
    return [p for p in mine if "gunicorn" in " ".join(p.cmdline())]


def _cpu(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        times = process.cpu_times()
        total += times.user + times.system
    return total


@contextmanager
def second_web_process(hub) -> Iterator[str]:
    """Another gunicorn process on the hub's data, database and broker, on a free port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hubsite.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--threads", "8", "--worker-class", "gthread"],
        env=hub.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(url), timeout=60, message="the second web process")
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/health", timeout=15).status_code == 200
    except httpx.HTTPError:
        return False


def main() -> None:
    cli = parser(__doc__.splitlines()[0])
    cli.add_argument("--requests", type=int, default=3000, help="requests per measure")
    cli.add_argument("--clients", type=int, default=4, help="client processes")
    args = cli.parse_args()
    requests = 160 if args.smoke else args.requests
    clients = 2 if args.smoke else args.clients
    rounds = 1 if args.smoke else args.rounds
    results = {}
    with tempfile.TemporaryDirectory(prefix="minihub-bench-") as tmp, \
            live_hub(Path(tmp), HUB_WEB_WORKERS="1") as hub:  # fmt: skip
        api = HfApi(endpoint=hub.url, token=hub.token)
        repo = api.create_repo("bench-scale").repo_id
        api.upload_file(path_or_fileobj=os.urandom(64 * 1024), path_in_repo="weights.bin",
                        repo_id=repo)  # fmt: skip
        context = multiprocessing.get_context("spawn")
        with second_web_process(hub) as second, context.Pool(clients) as pool:
            for name, path in WORKLOADS.items():
                one = [hub.url + path.format(repo=repo)]
                two = [*one, second + path.format(repo=repo)]
                alone, joined = [], []
                race(
                    rounds,
                    lambda _, u=one, r=alone: _timed(pool, u, hub.token, clients, requests, r),
                    lambda _, u=two, r=joined: _timed(pool, u, hub.token, clients, requests, r),
                )
                results[name] = (min(alone), min(joined))
    _report(results, requests, rounds, clients)


def _report(results: dict, requests: int, rounds: int, clients: int) -> None:
    for name, ((one, cpu_one, busy_one), (two, cpu_two, busy_two)) in results.items():
        table(
            f"{name}: {requests} GETs from {clients}x{THREADS} connections, best of {rounds}",
            [
                ("1 web process (baseline)", one, f"{requests / one:.0f}"),
                ("2 web processes", two, f"{requests / two:.0f}"),
            ],
            unit="requests/s",
        )
        for label, cpu, busy in (("1 process", cpu_one, busy_one), ("2 processes", cpu_two,
                                                                     busy_two)):  # fmt: skip
            print(f"  {label}: web processes used {cpu * 1000 / requests:.1f} ms of CPU per "
                  f"request; the machine's CPU was {busy:.0%} busy")  # fmt: skip
        gain = one / two - 1
        print(f"ratio {gain:.2f}x {name}: what a second web process adds to the first "
              f"(target >= {TARGET_GAIN}x): {verdict(gain >= TARGET_GAIN)}")  # fmt: skip


if __name__ == "__main__":
    main()
