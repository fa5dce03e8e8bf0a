"""Download of one large LFS file: `hf_hub_download` from the hub vs nginx serving the same bytes.

Both sides fetch over loopback with httpx2 in 10 MiB chunks into a file, from a file the page
cache holds. A thread samples the RSS of serve's process tree (gunicorn and the worker) while
the hub serves, to show that the file is streamed, not read into memory.

    .venv/bin/python -m bench.download [--size 1GiB] [--rounds 3] [--smoke]
"""

import os

# The client reads these once, at import.
os.environ.update(HF_HUB_DISABLE_XET="1", HF_HUB_DISABLE_TELEMETRY="1",
                  HF_HUB_DISABLE_PROGRESS_BARS="1")  # fmt: skip

import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager, suppress  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx2  # noqa: E402
import psutil  # noqa: E402
from huggingface_hub import HfApi, constants  # noqa: E402

from bench.common import (  # noqa: E402
    MiB,
    file_size_and_rounds,
    live_hub,
    race,
    table,
    verdict,
    write_random,
)
from tests.live import free_port, wait_until  # noqa: E402

TARGET_RATIO = 0.8
TARGET_GROWTH_MB = 50

_NGINX_CONF = """\
{user}worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    default_type application/octet-stream;
    client_body_temp_path {prefix}/tmp;
    proxy_temp_path {prefix}/tmp;
    fastcgi_temp_path {prefix}/tmp;
    uwsgi_temp_path {prefix}/tmp;
    scgi_temp_path {prefix}/tmp;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location = /ready {{ return 204; }}
    }}
}}
"""


@contextmanager
def nginx(prefix: Path, root: Path) -> Iterator[str]:
    """nginx in the foreground on a free loopback port, serving the files under `root`."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        sys.exit("nginx is not installed: run `make system-deps` (or apt-get install nginx)")
    (prefix / "tmp").mkdir(parents=True)
    port = free_port()
    # As root, nginx's workers would drop to `nobody`, who cannot read a private temp dir.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(_NGINX_CONF.format(user=user, prefix=prefix, port=port, root=root))
    process = subprocess.Popen([binary, "-e", "stderr", "-p", str(prefix), "-c", str(conf)])
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(url, process), timeout=15, message="nginx")
        yield url
    finally:
        process.send_signal(signal.SIGQUIT)
        process.wait(timeout=15)


def _answers(url: str, process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        raise RuntimeError(f"nginx exited with {process.returncode}")
    try:
        httpx2.head(f"{url}/ready", timeout=2)
    except httpx2.HTTPError:
        return False
    return True


def tree_rss(pid: int) -> int:
    """Resident bytes of process `pid` and all its descendants."""
    root = psutil.Process(pid)
    total = 0
    for process in [root, *root.children(recursive=True)]:
        with suppress(psutil.NoSuchProcess):  # a child may exit between list and read
            total += process.memory_info().rss
    return total


class PeakRss(threading.Thread):
    """Samples tree_rss(pid) every 20 ms; `peak` is the highest value seen."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = tree_rss(pid)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.peak = max(self.peak, tree_rss(self.pid))


def fetch(client: httpx2.Client, url: str, dest: Path) -> None:
    with client.stream("GET", url) as response, dest.open("wb") as out:
        response.raise_for_status()
        for chunk in response.iter_bytes(chunk_size=constants.DOWNLOAD_CHUNK_SIZE):
            out.write(chunk)


def main() -> None:
    size, rounds = file_size_and_rounds(__doc__.splitlines()[0])
    with tempfile.TemporaryDirectory(prefix="minihub-bench-") as tmp, live_hub(Path(tmp)) as hub:
        work = Path(tmp)
        api = HfApi(endpoint=hub.url, token=hub.token)
        repo = api.create_repo("bench-download").repo_id
        (work / "served").mkdir()
        source = work / "served" / "weights.bin"
        write_random(source, size)
        api.upload_file(path_or_fileobj=str(source), path_in_repo="weights.bin", repo_id=repo)

        def from_hub(number: int) -> float:
            cache = work / f"cache-{number}"
            start = time.perf_counter()
            path = api.hf_hub_download(repo_id=repo, filename="weights.bin", cache_dir=cache)
            elapsed = time.perf_counter() - start
            assert Path(path).stat().st_size == size, "the hub sent the wrong number of bytes"
            shutil.rmtree(cache)
            return elapsed

        with nginx(work / "nginx", root=work / "served") as url, httpx2.Client() as client:

            def from_nginx(number: int) -> float:
                dest = work / "nginx-copy.bin"
                start = time.perf_counter()
                fetch(client, f"{url}/weights.bin", dest)
                elapsed = time.perf_counter() - start
                assert dest.stat().st_size == size, "nginx sent the wrong number of bytes"
                dest.unlink()
                return elapsed

            sampler = PeakRss(hub.process.pid)
            before = sampler.peak
            sampler.start()
            baseline, measured = race(rounds, from_nginx, from_hub)
            sampler.done.set()
            sampler.join()
    _report(size, rounds, baseline, measured, growth=sampler.peak - before)


def _report(size: int, rounds: int, baseline: float, measured: float, *, growth: int) -> None:
    mib = size / MiB
    table(
        f"download of {mib:g} MiB over loopback, best of {rounds}",
        [
            ("nginx + httpx2 (baseline)", baseline, f"{mib / baseline:.1f}"),
            ("hf_hub_download from hub", measured, f"{mib / measured:.1f}"),
        ],
        unit="MiB/s",
    )
    ratio = baseline / measured
    print(f"ratio {ratio:.2f}x nginx (target >= {TARGET_RATIO}x): {verdict(ratio >= TARGET_RATIO)}")
    growth_mb = growth / 1e6
    ok = growth_mb < TARGET_GROWTH_MB
    print(f"server RSS growth {growth_mb:.1f} MB (target < {TARGET_GROWTH_MB} MB): {verdict(ok)}")


if __name__ == "__main__":
    main()
