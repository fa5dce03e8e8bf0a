import pytest


# The personas (alice, charlie) are tests/conftest.py's users of the test database.
@pytest.fixture(autouse=True)
def _storage(tmp_storage):
    return tmp_storage
