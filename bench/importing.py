"""`manage.py import` of a repo with large LFS files from another hub vs `git clone` plus a
plain download of the same bytes.

Two live hubs: the source holds alice/weights (two LFS files of half --size each, random
bytes). The baseline is what a careful operator would do by hand: `git clone` of the
source (LFS pointers only) and a plain HTTP download of each file through /resolve, no
checks. The import does that and more: every object fetched through the LFS batch API,
hashed against its pointer and the source's paths-info, stored, then published.

    .venv/bin/python -m bench.importing [--size 1GiB] [--rounds 3] [--smoke]
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from huggingface_hub import HfApi, constants

from bench.common import MiB, byte_size, live_hub, parser, race, table, verdict, write_random
from tests.live import ROOT

TARGET_RATIO = 0.7
_CHUNK = 8 * MiB


def main() -> None:
    cli = parser(__doc__.splitlines()[0])
    cli.add_argument("--size", type=byte_size, default="1GiB", help="total bytes, e.g. 1GiB")
    args = cli.parse_args()
    size, rounds = (4 * MiB, 1) if args.smoke else (args.size, args.rounds)
    with tempfile.TemporaryDirectory(prefix="minihub-bench-") as tmp:
        work = Path(tmp)
        with live_hub(work / "source") as source, live_hub(work / "dest") as dest:
            files = _source_repo(source, work, size)
            baseline, measured = race(rounds, _by_hand(source, work, files), _import(source, dest))
    table(
        f"import of a repo with {len(files)} LFS files, {size / MiB:.0f} MiB, best of {rounds}",
        [
            ("git clone + plain download", baseline, f"{size / MiB / baseline:.0f}"),
            ("manage.py import (checked)", measured, f"{size / MiB / measured:.0f}"),
        ],
        unit="MiB/s",
    )
    ratio = baseline / measured
    print(
        f"ratio {ratio:.2f}x the speed of clone + download (target >= {TARGET_RATIO:g}x): "
        f"{verdict(ratio >= TARGET_RATIO)}"
    )


def _source_repo(source, work: Path, size: int) -> list[str]:
    # Through Git LFS: both sides then read the same blob-store files from the source (an
    # object held only by the Xet store is rebuilt from its xorbs on each read).
    constants.HF_HUB_DISABLE_XET = True
    api = HfApi(endpoint=source.url, token=source.token)
    api.create_repo("alice/weights")
    names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    for name in names:
        write_random(work / name, size // 2)
        api.upload_file(path_or_fileobj=work / name, path_in_repo=name, repo_id="alice/weights")
        (work / name).unlink()
    return names


def _by_hand(source, work: Path, files: list[str]):
    def run(number: int) -> float:
        target = work / f"by-hand-{number}"
        start = time.perf_counter()
        env = {**os.environ, "GIT_LFS_SKIP_SMUDGE": "1", "GIT_TERMINAL_PROMPT": "0"}
        url = f"{source.url}/alice/weights"
        subprocess.run(["git", "clone", "--quiet", url, str(target)], env=env, check=True)
        for name in files:
            _download(f"{url}/resolve/main/{name}", target / name)
        elapsed = time.perf_counter() - start
        shutil.rmtree(target)
        return elapsed

    return run


def _download(url: str, dest: Path) -> None:
    with urllib.request.urlopen(url) as answer, dest.open("wb") as out:
        while chunk := answer.read(_CHUNK):
            out.write(chunk)


def _import(source, dest):
    def run(number: int) -> float:
        start = time.perf_counter()
        # Not LiveHub.manage: its two-minute limit is shorter than a large import may take.
        subprocess.run([sys.executable, "manage.py", "import", f"{source.url}/alice/weights",
                        "--user", "alice", "--to", f"alice/copy-{number}"],
                       cwd=ROOT, env=dest.env, check=True, capture_output=True)  # fmt: skip
        return time.perf_counter() - start

    return run


if __name__ == "__main__":
    main()
