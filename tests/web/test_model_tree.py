"""The model tree on model pages: "Fine-tuned from" (the card's base_model) and "N fine-tunes"
(models whose card names this one, counted among those the viewer can see)."""

import pytest

from tests.web.conftest import commit_files, make_repo

pytestmark = pytest.mark.django_db


def card(**metadata: str) -> bytes:
    lines = "".join(f"{key}: {value}\n" for key, value in metadata.items())
    return f"---\n{lines}---\n# A model\n".encode()


@pytest.fixture
def family(alice, bob):
    base = make_repo(alice, "base")
    commit_files(base, alice, {"README.md": card(license="mit")})
    public_child = make_repo(bob, "child")
    commit_files(public_child, bob, {"README.md": card(base_model="alice/base")})
    private_child = make_repo(alice, "secret-child", private=True)
    commit_files(private_child, alice, {"README.md": card(base_model="alice/base")})
    return base


def test_a_fine_tune_shows_what_it_was_fine_tuned_from(client, family):
    page = client.get("/bob/child").content.decode()

    assert "<dt>Fine-tuned from</dt>" in page
    assert '<a href="/alice/base">alice/base</a>' in page


def test_an_adapter_says_so(client, bob, family):
    adapter = make_repo(bob, "lora")
    commit_files(
        adapter,
        bob,
        {"README.md": card(base_model="alice/base"), "adapter_config.json": b"{}"},
    )

    page = client.get("/bob/lora").content.decode()

    assert "<dt>Adapter of</dt>" in page


def test_charlie_counts_only_the_public_fine_tune(client, charlie, family):
    client.force_login(charlie)

    page = client.get("/alice/base").content.decode()

    assert 'href="/models?tag=base_model%3Aalice/base">1 fine-tune</a>' in page


def test_alice_also_counts_her_private_fine_tune(client, alice, family):
    client.force_login(alice)

    page = client.get("/alice/base").content.decode()

    assert ">2 fine-tunes</a>" in page


def test_a_model_nobody_fine_tuned_shows_no_tree(client, bob, family):
    page = client.get("/bob/child").content.decode()

    assert "fine-tune" not in page.replace("Fine-tuned from", "")
