"""Download throughput of a private repo's file with the audit log on, against the same hub
with it off (HUB_AUDIT=false): every one of those downloads is an audit event.

Two hubs start side by side (each `manage.py serve` on the embedded default unless
HUB_DATABASE_URL says otherwise), each with alice's private model holding one LFS file.
CLIENTS threads then GET it through `/resolve/main/...` with alice's token, REQUESTS times
per round, alternating between the hubs; the best round of each counts. Ratio: the audited
hub's requests per second / the other's, target >= 0.95x. Afterwards every audited download
must be in the audited hub's log (`manage.py auditexport`), none lost.

    .venv/bin/python -m bench.audit [--requests 2000] [--size 1MiB] [--rounds 3] [--smoke]
"""

import os

os.environ.update(HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_PROGRESS_BARS="1")
os.environ["HF_HUB_DISABLE_XET"] = "1"  # a plain LFS object: the download path of /resolve

import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx2 as httpx  # noqa: E402
from huggingface_hub import HfApi  # noqa: E402

from bench.common import byte_size, live_hub, parser, race, table, verdict  # noqa: E402
from tests.live import wait_until  # noqa: E402

CLIENTS = 8
TARGET = 0.95
REPO = "alice/vault"
PATH = "weights.bin"


def _prepared(workdir: Path, audit: bool, payload: bytes):
    """A started hub (its live_hub context, entered) with alice's private model."""
    context = live_hub(workdir, HUB_AUDIT="true" if audit else "false")
    hub = context.__enter__()
    api = HfApi(endpoint=hub.url, token=hub.token)
    api.create_repo(REPO, private=True)
    api.upload_file(path_or_fileobj=payload, path_in_repo=PATH, repo_id=REPO)
    return context, hub


def downloads_seconds(hub, requests: int, size: int) -> float:
    """Seconds for `requests` whole-file GETs spread over CLIENTS threads."""
    url = f"{hub.url}/{REPO}/resolve/main/{PATH}"
    headers = {"Authorization": f"Bearer {hub.token}"}

    def client(count: int) -> None:
        with httpx.Client(headers=headers, timeout=60) as http:
            for _ in range(count):
                answer = http.get(url)
                assert answer.status_code == 200 and len(answer.content) == size

    threads = [threading.Thread(target=client, args=(requests // CLIENTS,)) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def logged_reads(hub) -> int:
    printed = hub.manage("auditexport").stdout
    return sum('"action":"repo.read"' in line for line in printed.splitlines())


def main() -> None:
    cli = parser(__doc__.splitlines()[0])
    cli.add_argument("--requests", type=int, default=2000, help="per round and hub")
    cli.add_argument("--size", type=byte_size, default="1MiB")
    args = cli.parse_args()
    requests, size, rounds = (
        (CLIENTS * 5, 64 * 1024, 1) if args.smoke else (args.requests, args.size, args.rounds)
    )
    requests -= requests % CLIENTS
    payload = os.urandom(size)
    with tempfile.TemporaryDirectory(prefix="minihub-bench-") as tmp:
        with ThreadPoolExecutor(2) as pool:
            on, off = pool.map(
                lambda audit: _prepared(Path(tmp) / str(audit), audit, payload), (True, False)
            )
        try:
            for hub in (on[1], off[1]):
                downloads_seconds(hub, CLIENTS * 2, size)  # warm connections and caches
            off_seconds, on_seconds = race(
                rounds,
                lambda _: downloads_seconds(off[1], requests, size),
                lambda _: downloads_seconds(on[1], requests, size),
            )
            expected = CLIENTS * 2 + requests * rounds
            wait_until(lambda: logged_reads(on[1]) >= expected, timeout=120, interval=1,
                       message=f"{expected} reads in the audit log")  # fmt: skip
            report(requests, size, on_seconds, off_seconds, logged_reads(on[1]), expected)
        finally:
            for context, _ in (on, off):
                context.__exit__(None, None, None)


def report(requests: int, size: int, on: float, off: float, logged: int, expected: int) -> None:
    rate = f"req/s ({size // 1024} KiB)"
    table(
        f"{requests} private-file downloads, {CLIENTS} clients",
        [
            ("audit log off (HUB_AUDIT=false)", off, f"{requests / off:,.0f}"),
            ("audit log on", on, f"{requests / on:,.0f}"),
        ],
        rate,
    )
    ratio = off / on
    print(f"ratio {ratio:.2f}x (target >= {TARGET}x): {verdict(ratio >= TARGET)}")
    print(f"audit events of those downloads in the log: {logged} of {expected}")


if __name__ == "__main__":
    main()
