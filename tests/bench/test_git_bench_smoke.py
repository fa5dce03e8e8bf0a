"""The git benchmarks, at their --smoke size, still run to the end and print their ratio.

The figures are not checked: speed is measured in bench/, not asserted in tests.
"""

import re
import subprocess
import sys

import pytest

from tests.live import ROOT

pytestmark = pytest.mark.live

BENCHMARKS = ("git_clone", "git_push")


@pytest.fixture(scope="module")
def smoke_runs() -> dict[str, tuple[str, int]]:
    """Both at once: most of each run is a hub starting and stopping."""
    running = {
        name: subprocess.Popen(
            [sys.executable, "-m", f"bench.{name}", "--smoke"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in BENCHMARKS
    }
    return {name: (p.communicate(timeout=300)[0], p.returncode) for name, p in running.items()}


@pytest.mark.parametrize("name", BENCHMARKS)
def test_the_git_benchmark_runs_and_prints_its_ratio_against_the_target(smoke_runs, name):
    output, code = smoke_runs[name]

    assert code == 0, output
    assert re.search(r"^ratio \d+\.\d\dx .*\(target <= 1\.5x\): (PASS|MISS)$", output, re.M), output
