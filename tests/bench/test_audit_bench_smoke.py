import re
import subprocess
import sys

import pytest

from tests.live import ROOT

pytestmark = pytest.mark.live


def test_the_audit_benchmark_runs_and_finds_every_download_in_the_log():
    result = subprocess.run(
        [sys.executable, "-m", "bench.audit", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "audit log on" in result.stdout and "ratio" in result.stdout
    logged = re.search(r"in the log: (\d+) of (\d+)", result.stdout)
    assert logged and logged[1] == logged[2], result.stdout
