"""bench/xet_dedup.py at its --smoke size still runs to the end and prints its ratio (the
figure is not checked: measured in bench/, not asserted in tests)."""

import re
import subprocess
import sys

import pytest

from tests.live import ROOT

pytestmark = pytest.mark.live


def test_the_dedup_benchmark_runs_and_prints_its_ratio_against_the_target():
    run = subprocess.run(
        [sys.executable, "-m", "bench.xet_dedup", "--smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"^ratio \d+\.\d\dx .*\(target <= 1\.3x\): (PASS|MISS)$", run.stdout, re.M)
