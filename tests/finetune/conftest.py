"""A live hub that runs jobs, with the contract suite's personas, for fine-tunes.

Its own hub, as tests/jobs has: the sandbox's uid must traverse the data directory to reach
the runtime, so it is not under pytest's 0700 tmp root. The jobs' memory and disk are the
defaults: a fine-tune job imports torch and writes checkpoints.
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
    charlie,
    repo_name,
)
from tests.live import LiveHub


@pytest.fixture(scope="session")
def hub():
    data_dir = Path(tempfile.mkdtemp(prefix="finetune-hub-"))
    data_dir.chmod(0o711)
    live = LiveHub(data_dir).start()
    live.tokens = json.loads(live.manage("shell", "-c", _PERSONAS).stdout.strip().splitlines()[-1])
    yield live
    live.stop()  # before its data directory goes
    shutil.rmtree(data_dir, ignore_errors=True)
