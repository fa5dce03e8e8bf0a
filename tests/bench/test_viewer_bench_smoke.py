import subprocess
import sys

from tests.live import ROOT


def test_the_viewer_benchmark_runs_and_reports_its_ratios():
    result = subprocess.run(
        [sys.executable, "-m", "bench.viewer", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "pyarrow's throughput" in result.stdout
    assert "/rows p50" in result.stdout and "/search p50" in result.stdout
