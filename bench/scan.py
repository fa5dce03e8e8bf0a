"""Scan throughput: the scanner on a torch checkpoint vs reading the same file once.

The bench writes a checkpoint of random tensors with torch.save, in torch's zip format and
in its legacy format (pickles followed by raw tensor bytes), and times `registry.scanning.scan`
on each against a plain read of the file in 8 MiB blocks, from the page cache alike.

    .venv/bin/python -m bench.scan [--size 1GiB] [--rounds 3] [--smoke]
"""

import tempfile
import time
from pathlib import Path

import torch

from bench.common import MiB, file_size_and_rounds, race, table, verdict
from registry.scanning import scan

TARGET = 0.5


def checkpoint(path: Path, size: int, *, legacy: bool) -> None:
    """About `size` bytes of float32 tensors of 4 MiB each, as torch.save writes them."""
    tensors = {
        f"layer{i}.weight": torch.randn(1024, 1024) for i in range(max(1, size // (4 * MiB)))
    }
    torch.save(tensors, path, _use_new_zipfile_serialization=not legacy)


def read_once(path: Path) -> float:
    started = time.perf_counter()
    with path.open("rb") as handle:
        while handle.read(8 * MiB):
            pass
    return time.perf_counter() - started


def scanned(path: Path) -> float:
    started = time.perf_counter()
    with path.open("rb") as handle:
        result = scan(handle, size=path.stat().st_size, profile="pickle")
    assert result.status == "safe", result
    return time.perf_counter() - started


def main() -> None:
    size, rounds = file_size_and_rounds(__doc__)
    with tempfile.TemporaryDirectory() as folder:
        ratios = []
        for legacy in (False, True):
            path = Path(folder) / f"model-{'legacy' if legacy else 'zip'}.bin"
            checkpoint(path, size, legacy=legacy)
            read_once(path)  # both sides read from the page cache
            plain, scanning = race(
                rounds, lambda _, p=path: read_once(p), lambda _, p=path: scanned(p)
            )
            mib = path.stat().st_size / MiB
            label = "legacy" if legacy else "zip"
            table(
                f"Scan of a {mib:.0f} MiB torch checkpoint ({label} format)",
                [
                    ("read once", plain, f"{mib / plain:.0f} MiB/s"),
                    ("scan", scanning, f"{mib / scanning:.0f} MiB/s"),
                ],  # fmt: skip
                "rate",
            )
            ratios.append(plain / scanning)
            path.unlink()
    ratio = min(ratios)
    print(f"ratio {ratio:.2f}x scan throughput vs one read (target >= {TARGET}x): "
          f"{verdict(ratio >= TARGET)}")  # fmt: skip


if __name__ == "__main__":
    main()
