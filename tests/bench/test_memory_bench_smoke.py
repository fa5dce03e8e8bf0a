"""The memory benchmark, at its --smoke size, still drives every path and reports."""

import re
import subprocess
import sys

import pytest

from tests.live import ROOT

pytestmark = pytest.mark.live


def test_the_memory_benchmark_measures_every_path_and_prints_its_verdict():
    result = subprocess.run(
        [sys.executable, "-m", "bench.memory", "--smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    for path in ("upload, lfs", "download, xet", "plain HTTP", "push, git", "clone, git"):
        assert path in result.stdout, result.stdout
    assert re.search(r"^ratio .*largest growth \d+ MiB .*: (PASS|MISS)$", result.stdout, re.M)
