"""Each benchmark, at its --smoke size, still runs to the end and prints its ratio.

The figures are not checked: speed is measured in bench/, not asserted in tests.
"""

import re
import subprocess
import sys

import pytest

from tests.live import ROOT, production_backends

pytestmark = pytest.mark.live

# Split between the two passes of `make test` (each runs them side by side): none of them
# measures what the database decides.
BENCHMARKS = (
    ("commit", "git_push", "scan")
    if production_backends()
    else ("download", "upload", "git_clone", "importing")
)


@pytest.fixture(scope="module")
def smoke_runs() -> dict[str, tuple[str, int]]:
    """All at once: most of each run is a hub starting and stopping."""
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
def test_the_benchmark_runs_and_prints_its_ratio_against_the_target(smoke_runs, name):
    output, code = smoke_runs[name]

    assert code == 0, output
    assert re.search(r"^ratio \d+\.\d\dx .*\(target [<>]= [\d.]+x\): (PASS|MISS)$", output, re.M), (
        output
    )
