"""LFS upload of one large file through `HfApi.upload_file` vs writing and hashing it locally.

The baseline reads the same file in 1 MiB chunks, sha256-hashes them and writes them to a new
file: the least any upload must do on this disk (the hub also receives the bytes over a
socket, and the client hashes the file before it sends it). Each round stamps the file's
first bytes so the hub never already holds the object.

    .venv/bin/python -m bench.upload [--size 1GiB] [--rounds 3] [--smoke]
"""

import os

# The client reads these once, at import. Without Xet the client uploads through Git LFS.
os.environ.update(HF_HUB_DISABLE_XET="1", HF_HUB_DISABLE_TELEMETRY="1",
                  HF_HUB_DISABLE_PROGRESS_BARS="1")  # fmt: skip

import hashlib  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from huggingface_hub import HfApi  # noqa: E402

from bench.common import (  # noqa: E402
    MiB,
    file_size_and_rounds,
    live_hub,
    race,
    table,
    verdict,
    write_random,
)

TARGET_RATIO = 0.7


def write_and_hash(source: Path, dest: Path) -> str:
    digest = hashlib.sha256()
    with source.open("rb") as inp, dest.open("wb") as out:
        while chunk := inp.read(MiB):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def stamp(path: Path, number: int) -> None:
    """Makes the content unique to round `number` without rewriting the file."""
    with path.open("r+b") as handle:
        handle.write(f"round {number:08d}".encode())


def main() -> None:
    size, rounds = file_size_and_rounds(__doc__.splitlines()[0])
    with tempfile.TemporaryDirectory(prefix="minihub-bench-") as tmp, live_hub(Path(tmp)) as hub:
        work = Path(tmp)
        api = HfApi(endpoint=hub.url, token=hub.token)
        repo = api.create_repo("bench-upload").repo_id
        source = work / "weights.bin"
        write_random(source, size)

        def locally(number: int) -> float:
            stamp(source, number)
            dest = work / "copy.bin"
            start = time.perf_counter()
            write_and_hash(source, dest)
            elapsed = time.perf_counter() - start
            dest.unlink()
            return elapsed

        def to_hub(number: int) -> float:
            stamp(source, number)
            start = time.perf_counter()
            api.upload_file(path_or_fileobj=str(source), path_in_repo=f"weights-{number}.bin",
                            repo_id=repo)  # fmt: skip
            return time.perf_counter() - start

        baseline, measured = race(rounds, locally, to_hub)
        stored = api.get_paths_info(repo, [f"weights-{rounds - 1}.bin"])[0]
        assert stored.lfs is not None and stored.lfs.size == size, stored
    mib = size / MiB
    table(
        f"upload of {mib:g} MiB over loopback (Git LFS, no Xet), best of {rounds}",
        [
            ("write + sha256 (baseline)", baseline, f"{mib / baseline:.1f}"),
            ("HfApi.upload_file to hub", measured, f"{mib / measured:.1f}"),
        ],
        unit="MiB/s",
    )
    ratio = baseline / measured
    print(
        f"ratio {ratio:.2f}x local write+hash (target >= {TARGET_RATIO}x): "
        f"{verdict(ratio >= TARGET_RATIO)}"
    )


if __name__ == "__main__":
    main()
