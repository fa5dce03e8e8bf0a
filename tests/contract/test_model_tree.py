"""The model tree through the stock client: `model_info(expand=["baseModels",
"childrenModelCount"])` answers from the cards' `base_model`, counting only the fine-tunes
the caller can see."""

import pytest

from tests.contract.conftest import make_repo

pytestmark = pytest.mark.live


def card(**metadata: str) -> bytes:
    lines = "".join(f"{key}: {value}\n" for key, value in metadata.items())
    return f"---\n{lines}---\n# A model\n".encode()


@pytest.fixture
def family(hub, alice, bob, repo_name) -> dict:
    base = make_repo(hub, alice, f"{repo_name}-base")
    child = make_repo(hub, bob, f"{repo_name}-child")
    secret = make_repo(hub, alice, f"{repo_name}-secret", private=True)
    bob.api(hub).upload_file(
        path_or_fileobj=card(base_model=base), path_in_repo="README.md", repo_id=child
    )
    alice.api(hub).upload_file(
        path_or_fileobj=card(base_model=base), path_in_repo="README.md", repo_id=secret
    )
    return {"base": base, "child": child, "secret": secret}


def test_a_fine_tune_names_its_base_model(hub, charlie, family):
    info = charlie.api(hub).model_info(family["child"], expand=["baseModels"])

    assert info.base_models == {"relation": "finetune", "models": [{"id": family["base"]}]}


def test_a_model_without_a_base_names_none(hub, charlie, family):
    info = charlie.api(hub).model_info(family["base"], expand=["baseModels"])

    assert info.base_models is None


def test_charlie_counts_only_the_public_fine_tune(hub, charlie, family):
    info = charlie.api(hub).model_info(family["base"], expand=["childrenModelCount"])

    assert info.children_model_count == 1


def test_anonymous_counts_only_the_public_fine_tune(hub, anonymous, family):
    info = anonymous.api(hub).model_info(family["base"], expand=["childrenModelCount"])

    assert info.children_model_count == 1


def test_alice_counts_her_private_fine_tune_too(hub, alice, family):
    info = alice.api(hub).model_info(family["base"], expand=["childrenModelCount"])

    assert info.children_model_count == 2
