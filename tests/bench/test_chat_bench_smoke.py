"""The chat benchmark, at its --smoke size, still runs to the end and prints its ratios.

The figures are not checked: speed is measured in bench/, not asserted in tests.
"""

import re
import subprocess
import sys

import pytest

from tests.live import ROOT

pytestmark = pytest.mark.live


def test_the_chat_benchmark_runs_and_prints_its_ratios_against_the_targets():
    result = subprocess.run(
        [sys.executable, "-m", "bench.chat", "--smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    ratios = re.findall(r"^ratio \d+\.\d\dx .*\(target [<>]= [\d.]+x\): (?:PASS|MISS)$",
                        result.stdout, re.M)  # fmt: skip
    assert len(ratios) == 2, result.stdout
