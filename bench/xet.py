"""Upload and download of one large file through Xet vs through Git LFS, in the same run.

Both sides use the real client on the same hub: `HfApi.upload_file` and `hf_hub_download`
with hf_xet (the stock client) and with HF_HUB_DISABLE_XET=1 (Git LFS through the hub's signed
routes, downloads by sendfile). Each round uploads new random files, so neither the hub nor
the client's shard cache already holds any chunk of them. A third download row fetches the
Xet-uploaded file over plain HTTP, which the hub rebuilds from the xorbs as it streams (what
git-lfs, browsers and HF_HUB_DISABLE_XET=1 clients get for a file uploaded through Xet).

    .venv/bin/python -m bench.xet [--size 1GiB] [--rounds 3] [--smoke]
"""

import os
import tempfile

# The client reads these once, at import; the Xet switch is flipped per call below.
_HOME = tempfile.mkdtemp(prefix="minihub-bench-hf-")
os.environ.update(HF_HOME=_HOME, HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_PROGRESS_BARS="1")
os.environ.pop("HF_HUB_DISABLE_XET", None)

import math  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx2  # noqa: E402
from huggingface_hub import HfApi, constants  # noqa: E402

from bench.common import (  # noqa: E402
    MiB,
    file_size_and_rounds,
    live_hub,
    table,
    verdict,
    write_random,
)

UPLOAD_TARGET = 0.5
DOWNLOAD_TARGET = 0.5
HTTP_TARGET = 0.25


def timed(run: Callable[[], None]) -> float:
    os.sync()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def xet(enabled: bool) -> None:
    constants.HF_HUB_DISABLE_XET = not enabled


def main() -> None:
    size, rounds = file_size_and_rounds(__doc__.splitlines()[0])
    try:
        best = _measure(size, rounds)
    finally:
        shutil.rmtree(_HOME, ignore_errors=True)
    _report(size, rounds, best)


def _measure(size: int, rounds: int) -> dict[str, float]:
    """The best time of each row over `rounds` rounds, on a hub of its own."""
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="minihub-bench-") as tmp, live_hub(Path(tmp)) as hub:
        work = Path(tmp)
        api = HfApi(endpoint=hub.url, token=hub.token)
        repo = api.create_repo("bench-xet").repo_id
        for number in range(rounds):
            for name, seconds in _round(hub, api, repo, work, size, number).items():
                best[name] = min(best.get(name, math.inf), seconds)
        reads = re.findall(r"GET /xet-cas/v[12]/reconstructions/", "".join(hub.output))
        assert len(reads) >= rounds, "the Xet downloads did not go through the Xet store"
    return best


def _round(hub, api: HfApi, repo: str, work: Path, size: int, number: int) -> dict[str, float]:
    """One upload and download each way; the files are new random bytes every round."""
    sources = {way: work / f"{way}-{number}.bin" for way in ("lfs", "xet")}
    for path in sources.values():
        write_random(path, size)
    caches = {way: work / f"cache-{way}-{number}" for way in sources}

    def upload(way: str) -> None:
        xet(way == "xet")
        api.upload_file(path_or_fileobj=str(sources[way]), path_in_repo=sources[way].name,
                        repo_id=repo)  # fmt: skip

    def download(way: str) -> None:
        xet(way == "xet")
        got = api.hf_hub_download(repo, sources[way].name, cache_dir=caches[way])
        assert Path(got).stat().st_size == size, f"the {way} download has the wrong size"

    seconds = {}
    for step, run in (("upload", upload), ("download", download)):
        for way in sources:
            seconds[f"{step} {way}"] = timed(partial(run, way))
    url = f"{hub.url}/{repo}/resolve/main/{sources['xet'].name}"
    seconds["http of xet"] = timed(lambda: _fetch(url, hub.token, work / "http.bin", size))
    for path in [*sources.values(), work / "http.bin"]:
        path.unlink()
    for cache in caches.values():
        shutil.rmtree(cache)
    return seconds


def _fetch(url: str, token: str, dest: Path, size: int) -> None:
    """A plain HTTP client's download: no Xet headers read, the bytes streamed to a file."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx2.stream("GET", url, headers=headers, timeout=600) as response:
        response.raise_for_status()
        with dest.open("wb") as out:
            for chunk in response.iter_bytes(chunk_size=constants.DOWNLOAD_CHUNK_SIZE):
                out.write(chunk)
    assert dest.stat().st_size == size, "the plain HTTP download has the wrong size"


def _report(size: int, rounds: int, best: dict[str, float]) -> None:
    mib = size / MiB
    rows = [
        ("upload_file, Git LFS (baseline)", "upload lfs"),
        ("upload_file, Xet", "upload xet"),
        ("hf_hub_download, Git LFS (base)", "download lfs"),
        ("hf_hub_download, Xet", "download xet"),
        ("plain HTTP of the Xet file", "http of xet"),
    ]
    table(
        f"{mib:g} MiB through Xet vs Git LFS over loopback, best of {rounds}",
        [(label, best[key], f"{mib / best[key]:.1f}") for label, key in rows],
        unit="MiB/s",
    )
    for what, ratio, target in [
        ("Xet upload vs Git LFS upload", best["upload lfs"] / best["upload xet"], UPLOAD_TARGET),
        ("Xet download vs Git LFS download", best["download lfs"] / best["download xet"],
         DOWNLOAD_TARGET),
        ("plain HTTP of a Xet file vs Git LFS download",
         best["download lfs"] / best["http of xet"], HTTP_TARGET),
    ]:  # fmt: skip
        print(f"ratio {ratio:.2f}x {what} (target >= {target}x): {verdict(ratio >= target)}")


if __name__ == "__main__":
    main()
