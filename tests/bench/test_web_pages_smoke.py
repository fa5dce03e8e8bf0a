import subprocess
import sys

import pytest

from tests.live import ROOT

pytestmark = pytest.mark.live


def test_the_web_pages_benchmark_runs_and_reports_its_ratios():
    result = subprocess.run(
        [sys.executable, "-m", "bench.web_pages", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "home" in result.stdout and "search page" in result.stdout
    assert "p50/floor" in result.stdout
