"""bench/scale.py, at its --smoke size, still runs to the end and prints both ratios.

The figures are not checked: speed is measured in bench/, not asserted in tests.
"""

import re
import subprocess
import sys

import pytest

from tests.live import ROOT

pytestmark = pytest.mark.live


def test_the_scale_benchmark_runs_and_prints_its_ratios_against_the_target():
    result = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    for workload in ("download", "api"):
        assert re.search(
            rf"^ratio -?\d+\.\d\dx {workload}: .*\(target >= 0\.6x\): (PASS|MISS)$",
            result.stdout,
            re.M,
        ), result.stdout
