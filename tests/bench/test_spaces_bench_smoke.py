"""The Spaces benchmark, at its --smoke size, still runs to the end and prints its ratio.

The figures are not checked: speed is measured in bench/, not asserted in tests.
"""

import re
import subprocess
import sys

import pytest

from tests.live import ROOT

pytestmark = pytest.mark.live


def test_the_spaces_benchmark_runs_and_prints_its_ratio_against_the_target():
    result = subprocess.run(
        [sys.executable, "-m", "bench.spaces", "--smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert re.search(r"^cold start of a small Gradio Space: best [\d.]+s", result.stdout, re.M)
    ratios = re.findall(r"^ratio \d+\.\d\dx .*\(target <= 1\.5x\): (?:PASS|MISS)$",
                        result.stdout, re.M)  # fmt: skip
    assert len(ratios) == 1, result.stdout
