import subprocess
import sys

from tests.live import ROOT


def test_the_api_latency_benchmark_runs_and_reports_its_ratios():
    result = subprocess.run(
        [sys.executable, "-m", "bench.api_latency", "--smoke", "--rounds", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "model_info" in result.stdout and "search" in result.stdout
    assert "x git (target at most 5x)" in result.stdout
