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
    for call in ("model_info", "search", "filter", "paths_info", "tree", "search, new"):
        assert call in result.stdout, result.stdout
    assert "x git (target at most 5x)" in result.stdout
