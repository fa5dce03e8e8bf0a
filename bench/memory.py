"""The hub's memory while a large file goes through every path, against the hub at rest.

A live hub (embedded default) with alice. Files of SIZE random bytes (10 GiB by default) go
up and down each way a client moves them, one transfer at a time:

- Git LFS: `upload_file` with HF_HUB_DISABLE_XET=1 (multipart, through the hub's signed
  routes), then `hf_hub_download` of it;
- Xet: `upload_file` with hf_xet (the stock client), `hf_hub_download` through hf_xet, and a
  plain HTTP GET of `/resolve` (the hub rebuilds the file from its xorbs as it sends it);
- git: `git push` of a commit holding a file tracked by git-lfs, then `git clone`.

While each runs, every process of the hub (serve, gunicorn and its workers, the Celery
workers and their children) is sampled every 0.1 s. The baseline is the same processes at
rest, measured in the same run just before each transfer. What is judged is the growth of
their private memory (resident, not backed by a file): file-backed pages (a xorb read
through mmap, say) are the page cache's, which the kernel takes back when it needs to.
Target: no transfer grows it by more than 256 MiB, whatever the size: flat, not a share of
the file. Disk: about four times SIZE free. Once a path is measured, the hub's stored copy
of its file is removed (the LFS objects after the Git LFS download, the xorbs after the
plain HTTP download), so the copies do not pile up; the largest point is the git clone
(the hub's object, the clone's .git/lfs copy and its working copy). The disk used at each
step is printed, so a run that would not fit can be stopped early.

    .venv/bin/python -m bench.memory [--size 10GiB] [--smoke]
"""

import os

os.environ.update(HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_PROGRESS_BARS="1")
os.environ.pop("HF_HUB_DISABLE_XET", None)

import shutil  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx2  # noqa: E402
import numpy as np  # noqa: E402
import psutil  # noqa: E402
from huggingface_hub import HfApi, constants  # noqa: E402

from bench.common import MiB, byte_size, live_hub, parser, verdict  # noqa: E402
from bench.git_common import Git, hub_url  # noqa: E402

GROWTH_TARGET = 256 * MiB
_BLOCK = 64 * MiB


def write_random(path: Path, size: int, seed: int) -> None:
    """`size` incompressible bytes, fast (numpy's generator): no two blocks alike, so Xet
    finds nothing to deduplicate."""
    generator = np.random.default_rng(seed)
    with path.open("wb") as out:
        for start in range(0, size, _BLOCK):
            out.write(generator.bytes(min(_BLOCK, size - start)))


def _processes(root: int) -> list[psutil.Process]:
    try:
        parent = psutil.Process(root)
        return [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _memory(root: int) -> tuple[int, int]:
    """(private, resident) bytes of the hub's processes now."""
    private = resident = 0
    for process in _processes(root):
        try:
            info = process.memory_info()
        except psutil.NoSuchProcess:  # a worker child that ended between the two calls
            continue
        resident += info.rss
        private += info.rss - info.shared
    return private, resident


class Sampler:
    """The peak of `_memory` while a block runs, sampled in a thread."""

    def __init__(self, root: int):
        self.root, self.peak = root, (0, 0)
        self._stop = threading.Event()

    def __enter__(self) -> "Sampler":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            private, resident = _memory(self.root)
            self.peak = (max(self.peak[0], private), max(self.peak[1], resident))
            self._stop.wait(0.1)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def at_rest(root: int) -> tuple[int, int]:
    """The hub's memory once a second's samples stop moving (the last transfer's buffers
    freed, no request running)."""
    time.sleep(1.0)
    samples = []
    for _ in range(10):
        samples.append(_memory(root))
        time.sleep(0.1)
    return min(s[0] for s in samples), min(s[1] for s in samples)


def measure(root: int, run: Callable[[], None]) -> dict:
    rest = at_rest(root)
    started = time.perf_counter()
    with Sampler(root) as sampler:
        run()
    seconds = time.perf_counter() - started
    print(f"  measured in {seconds:.1f} s: growth {(sampler.peak[0] - rest[0]) / MiB:.0f} MiB",
          flush=True)  # fmt: skip
    return {"rest": rest, "peak": sampler.peak, "seconds": seconds}


def _fetch(url: str, token: str, dest: Path) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx2.stream("GET", url, headers=headers, timeout=3600) as response:
        response.raise_for_status()
        with dest.open("wb") as out:
            for chunk in response.iter_bytes(chunk_size=8 * MiB):
                out.write(chunk)


def main() -> None:
    cli = parser(__doc__.splitlines()[0])
    cli.add_argument("--size", type=byte_size, default="10GiB", help="file size, e.g. 10GiB")
    args = cli.parse_args()
    size = 32 * MiB if args.smoke else args.size
    with tempfile.TemporaryDirectory(prefix="minihub-bench-") as tmp, live_hub(Path(tmp)) as hub:
        results = _run(hub, Path(tmp), size)
    _report(size, results)


def _run(hub, work: Path, size: int) -> dict[str, dict]:
    api = HfApi(endpoint=hub.url, token=hub.token)
    repo = api.create_repo("bench-memory").repo_id
    root, results = hub.process.pid, {}
    source = work / "source.bin"
    got = work / "got"

    def xet(enabled: bool) -> None:
        constants.HF_HUB_DISABLE_XET = not enabled

    def check(path: Path) -> None:
        assert Path(path).stat().st_size == size, f"{path} has the wrong size"

    for way in ("lfs", "xet"):
        write_random(source, size, seed=1 if way == "lfs" else 2)
        name = f"{way}.bin"
        xet(way == "xet")
        upload = partial(api.upload_file, path_or_fileobj=str(source), path_in_repo=name,
                         repo_id=repo)  # fmt: skip
        results[f"upload, {way}"] = measure(root, upload)
        source.unlink()
        download = partial(api.hf_hub_download, repo, name, cache_dir=got)
        results[f"download, {way}"] = measure(root, lambda run=download: check(run()))
        shutil.rmtree(got)
        if way == "lfs":
            _free(hub, hub.data_dir / "blobs")
    xet(True)
    url = f"{hub.url}/{repo}/resolve/main/xet.bin"
    results["download, plain HTTP of the Xet file"] = measure(
        root, lambda: (_fetch(url, hub.token, work / "http.bin"), check(work / "http.bin"))
    )
    (work / "http.bin").unlink()
    # The files leave the repo with their stored copies, so the git clone fetches git.bin only.
    api.delete_files(repo, delete_patterns=["lfs.bin", "xet.bin"])
    _free(hub, hub.data_dir / "xet" / "xorbs")
    results.update(_git(hub, work, repo, size, root))
    return results


def _free(hub, folder: Path) -> None:
    """Removes a measured path's stored copy (the repo's file is not read again), and says
    how much disk is left."""
    shutil.rmtree(folder, ignore_errors=True)
    left = shutil.disk_usage(hub.data_dir).free
    print(f"  (removed {folder.name}; {left / (1 << 30):.1f} GiB of disk free)", flush=True)


def _git(hub, work: Path, repo: str, size: int, root: int) -> dict[str, dict]:
    git = Git(work / "git-home")
    git("lfs", "install", cwd=work)  # into the throwaway HOME's config: the clone smudges too
    clone = work / "push"
    git("clone", hub_url(hub, repo), str(clone), cwd=work)
    git("lfs", "track", "*.bin", cwd=clone)
    write_random(clone / "git.bin", size, seed=3)
    git("add", ".gitattributes", "git.bin", cwd=clone)
    git("commit", "-q", "-m", "A large file through git-lfs", cwd=clone)
    (clone / "git.bin").unlink()  # the push reads .git/lfs/objects: one copy on disk, not two
    results = {"push, git + git-lfs": measure(root, lambda: git("push", "-q", cwd=clone))}
    shutil.rmtree(clone)
    fresh = work / "clone"
    results["clone, git + git-lfs"] = measure(
        root, lambda: git("clone", "-q", hub_url(hub, repo), str(fresh), cwd=work)
    )
    assert (fresh / "git.bin").stat().st_size == size, "the clone lacks the large file"
    shutil.rmtree(fresh)
    return results


def _report(size: int, results: dict[str, dict]) -> None:
    print(f"Hub memory while {size / MiB:g} MiB go through each path ({os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f})")  # fmt: skip
    print(f"  {'':<40}{'seconds':>9}{'private at rest':>17}{'private peak':>14}"
          f"{'growth':>10}{'resident peak':>15}")  # fmt: skip
    worst = 0
    for name, row in results.items():
        growth = row["peak"][0] - row["rest"][0]
        worst = max(worst, growth)
        print(f"  {name:<40}{row['seconds']:>9.1f}{row['rest'][0] / MiB:>14.0f} MiB"
              f"{row['peak'][0] / MiB:>10.0f} MiB{growth / MiB:>6.0f} MiB"
              f"{row['peak'][1] / MiB:>11.0f} MiB")  # fmt: skip
    ratio = worst / (size or 1)
    print(
        f"ratio {ratio:.4f}x the file's size, largest growth {worst / MiB:.0f} MiB "
        f"(target <= {GROWTH_TARGET / MiB:.0f} MiB): {verdict(worst <= GROWTH_TARGET)}"
    )


if __name__ == "__main__":
    main()
