"""Xet storage growth over 5 revisions of a model, each changing a tenth of its tensors.

A model of several safetensors-like files (a JSON header, then float32 tensors drawn from a
normal distribution, like trained weights) is uploaded with the stock client
(`upload_folder`, hf_xet on, no Xet setting changed). Each next revision draws new values for
10% of the tensors, picked at random, and uploads the folder again. The hub's stored xorb
bytes are measured on its disk after each revision; the baseline is the bytes of the tensors
that changed, counted in the same run. Git LFS would store every changed file whole: that
column is the sum of their sizes.

By default one client uploads every revision, so hf_xet finds the old chunks in its own shard
cache. With `--fresh-client` each revision is uploaded by a new process with an empty cache
(another machine, or a colleague): then only the store's global deduplication helps.

    .venv/bin/python -m bench.xet_dedup [--size 512MiB] [--files 4] [--revisions 5]
                                        [--fresh-client] [--smoke]
"""

import os

# The client reads these once, at import. Xet stays on: that is the point.
os.environ.update(HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_PROGRESS_BARS="1")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import struct  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy  # noqa: E402
from huggingface_hub import HfApi  # noqa: E402

from bench.common import MiB, byte_size, live_hub, verdict  # noqa: E402

TARGET_RATIO = 1.3
TENSORS_PER_FILE = 10
CHANGED_SHARE = 0.1


class Model:
    """Tensors of uneven sizes spread over files; each tensor is regenerated whole."""

    def __init__(self, size: int, files: int, seed: int):
        self.rng = random.Random(seed)
        count = files * TENSORS_PER_FILE
        weights = [self.rng.uniform(0.5, 1.5) for _ in range(count)]
        floats = size // 4
        self.shapes = [max(1, int(floats * w / sum(weights))) for w in weights]
        self.files = files
        self.tensors = [self._draw(n) for n in self.shapes]

    def _draw(self, floats: int) -> bytes:
        generator = numpy.random.default_rng(self.rng.getrandbits(64))
        return generator.normal(0, 0.02, floats).astype("<f4").tobytes()

    def change(self) -> int:
        """Redraws a tenth of the tensors; returns the bytes changed."""
        picked = self.rng.sample(range(len(self.tensors)), round(len(self.tensors) * CHANGED_SHARE))
        for index in picked:
            self.tensors[index] = self._draw(self.shapes[index])
        self.changed_files = {index // TENSORS_PER_FILE for index in picked}
        return sum(len(self.tensors[index]) for index in picked)

    def write(self, folder: Path) -> None:
        for number in range(self.files):
            names = range(number * TENSORS_PER_FILE, (number + 1) * TENSORS_PER_FILE)
            header, offset = {}, 0
            for index in names:
                size = len(self.tensors[index])
                header[f"layer.{index}.weight"] = {
                    "dtype": "F32", "shape": [self.shapes[index]],
                    "data_offsets": [offset, offset + size],
                }  # fmt: skip
                offset += size
            encoded = json.dumps(header).encode()
            with (folder / f"model-{number:05d}.safetensors").open("wb") as handle:
                handle.write(struct.pack("<Q", len(encoded)) + encoded)
                for index in names:
                    handle.write(self.tensors[index])

    def file_size(self, number: int) -> int:
        names = range(number * TENSORS_PER_FILE, (number + 1) * TENSORS_PER_FILE)
        return sum(len(self.tensors[index]) for index in names)


_UPLOAD = """
import sys
from huggingface_hub import HfApi
url, token, repo_id, folder, message = sys.argv[1:]
HfApi(endpoint=url, token=token).upload_folder(folder_path=folder, repo_id=repo_id,
                                               commit_message=message)
"""


class Uploader:
    """upload_folder in this process, or, fresh, in a new process with an empty hf_xet cache."""

    def __init__(self, hub, repo_id: str, fresh: bool, workdir: Path):
        self.hub, self.repo_id, self.fresh, self.workdir = hub, repo_id, fresh, workdir
        self.api = HfApi(endpoint=hub.url, token=hub.token)

    def upload(self, folder: Path, number: int) -> float:
        message = f"revision {number}"
        started = time.perf_counter()
        if not self.fresh:
            self.api.upload_folder(folder_path=folder, repo_id=self.repo_id, commit_message=message)
            return time.perf_counter() - started
        cache = self.workdir / f"xet-cache-{number}"
        env = {**os.environ, "HF_XET_CACHE": str(cache)}
        argv = [self.hub.url, self.hub.token, self.repo_id, str(folder), message]
        subprocess.run([sys.executable, "-c", _UPLOAD, *argv], env=env, check=True)
        return time.perf_counter() - started


def stored_xorb_bytes(hub) -> int:
    root = hub.data_dir / "xet" / "xorbs" / "default"
    return sum(path.stat().st_size for path in root.glob("*/*"))


def main() -> None:
    # Sizes, not times: no --rounds.
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--smoke", action="store_true", help="a small model, two revisions")
    cli.add_argument("--size", type=byte_size, default="512MiB", help="model size")
    cli.add_argument("--files", type=int, default=4, help="safetensors files")
    cli.add_argument("--revisions", type=int, default=5, help="revisions after the first")
    cli.add_argument("--fresh-client", action="store_true", help="an empty cache each revision")
    args = cli.parse_args()
    size, files = (24 * MiB, 2) if args.smoke else (args.size, args.files)
    revisions = 2 if args.smoke else args.revisions
    with tempfile.TemporaryDirectory(prefix="minihub-bench-") as tmp:
        os.environ["HF_XET_CACHE"] = str(Path(tmp) / "xet-cache")
        with live_hub(Path(tmp)) as hub:
            repo_id = HfApi(endpoint=hub.url, token=hub.token).create_repo("alice/dedup").repo_id
            uploader = Uploader(hub, repo_id, args.fresh_client, Path(tmp))
            run(uploader, Path(tmp) / "model", Model(size, files, seed=10), revisions)


def run(uploader: Uploader, folder: Path, model: Model, revisions: int) -> None:
    hub = uploader.hub
    folder.mkdir()
    model.write(folder)
    seconds = uploader.upload(folder, 0)
    first = stored_xorb_bytes(hub)
    total = sum(len(t) for t in model.tensors)
    client = "a new client each revision" if uploader.fresh else "one client"
    print(f"Xet storage growth per revision, {client} ({os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f})")  # fmt: skip
    print(f"  revision 0: {total / MiB:.1f} MiB of tensors in {model.files} files, stored "
          f"{first / MiB:.1f} MiB of xorbs ({seconds:.1f} s)")  # fmt: skip
    print(f"  {'rev':>4}{'changed MiB':>14}{'stored MiB':>13}{'growth/changed':>17}"
          f"{'LFS would add':>16}{'seconds':>10}")  # fmt: skip
    worst, before = 0.0, first
    for number in range(1, revisions + 1):
        changed = model.change()
        lfs = sum(model.file_size(n) for n in model.changed_files)
        model.write(folder)
        seconds = uploader.upload(folder, number)
        after = stored_xorb_bytes(hub)
        ratio = (after - before) / changed
        worst = max(worst, ratio)
        print(f"  {number:>4}{changed / MiB:>14.1f}{(after - before) / MiB:>13.1f}"
              f"{ratio:>16.2f}x{lfs / MiB:>15.1f}M{seconds:>10.1f}")  # fmt: skip
        before = after
    print(f"  total stored: {before / MiB:.1f} MiB for {revisions + 1} revisions of a "
          f"{total / MiB:.1f} MiB model")  # fmt: skip
    print(f"ratio {worst:.2f}x worst growth per revision / changed bytes "
          f"(target <= {TARGET_RATIO}x): {verdict(worst <= TARGET_RATIO)}")  # fmt: skip


if __name__ == "__main__":
    main()
