"""The fine-tune benchmark, at its --smoke size, still runs to the end and prints its ratio.

The figure is not checked: speed is measured in bench/, not asserted in tests.
"""

import re
import subprocess
import sys

import pytest

from tests.live import ROOT

pytestmark = pytest.mark.live


def test_the_finetune_benchmark_runs_and_prints_its_ratio_against_the_target():
    result = subprocess.run(
        [sys.executable, "-m", "bench.finetune", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    ratios = re.findall(
        r"^ratio \d+\.\d\dx .*\(target >= 0\.8x\): (?:PASS|MISS)$", result.stdout, re.M
    )
    assert len(ratios) == 1, result.stdout
