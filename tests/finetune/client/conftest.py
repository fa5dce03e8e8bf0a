"""Fine-tune requests through Django's test client, on the test database: its users
(tests/conftest.py), not the live hub's personas of tests/finetune/conftest.py."""

import pytest

from tests.personas import alice_row, charlie_row  # noqa: F401  (fixtures `alice`, `charlie`)


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.HUB_REPOS_DIR = tmp_path / "repos"
