"""The contract suite's live hub and personas (alice; bob, writer in alice's org acme;
charlie, an outsider; anonymous), for the collections API driven by the real client."""

from tests.contract.conftest import (  # noqa: F401 (fixtures)
    _client_environment,
    alice,
    anonymous,
    bob,
    charlie,
    hub,
    repo_name,
)
