"""A live hub for jobs, with the contract suite's personas.

Its own hub, not the contract suite's: jobs bind the hub's data directory into nothing, but
the sandbox's uid must traverse it to reach the runtime (so not under pytest's 0700 tmp
root), and the hostile tests need small limits (a 64 MiB disk, a 256 KiB log). One jobs
worker thread: a job that did not free its worker would stall every test after it.
"""

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.contract.conftest import (  # noqa: F401
    _PERSONAS,
    _client_environment,
    alice,
    anonymous,
    bob,
    charlie,
    repo_name,
)
from tests.live import LiveHub

LOG_MAX_BYTES = 256 * 1024


@pytest.fixture(scope="session")
def hub():
    data_dir = Path(tempfile.mkdtemp(prefix="jobs-hub-"))
    data_dir.chmod(0o711)
    live = LiveHub(
        data_dir,
        HUB_JOBS_DISK_MB="64",
        HUB_JOBS_MEMORY_MB="1024",
        HUB_JOBS_LOG_MAX_BYTES=str(LOG_MAX_BYTES),
        HUB_JOBS_CONCURRENCY="1",
    ).start()
    live.tokens = json.loads(live.manage("shell", "-c", _PERSONAS).stdout.strip().splitlines()[-1])
    yield live
    live.stop()  # before its data directory goes
    shutil.rmtree(data_dir, ignore_errors=True)
