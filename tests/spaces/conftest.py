"""The contract suite's live hub and personas, for Spaces."""

from tests.contract.conftest import (  # noqa: F401
    _client_environment,
    alice,
    anonymous,
    bob,
    charlie,
    hub,
    repo_name,
)
