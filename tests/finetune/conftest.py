"""The contract suite's live hub and personas, for fine-tunes."""

from tests.contract.conftest import _client_environment, alice, charlie, hub, repo_name  # noqa: F401
