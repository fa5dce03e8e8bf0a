"""A gated model in a real Chromium: alice gates it from its settings, charlie fills the request
form on its page, alice accepts him on the review page, and charlie then downloads."""

import uuid

import pytest
from huggingface_hub import CommitOperationAdd, HfApi, hf_hub_download
from huggingface_hub.errors import GatedRepoError
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, sign_in

CARD = """---
license: other
extra_gated_prompt: Promise to use this model for good.
extra_gated_fields:
  Company: text
  Intended use:
    type: select
    options: [Research, Teaching]
  I agree to the license: checkbox
---
# Guarded model
"""
CONFIG = b'{"hidden_size": 8}\n'


@pytest.fixture
def guarded(hub) -> str:
    """alice's public model with a card that asks three questions; not gated yet."""
    api = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    repo_id = api.create_repo(f"alice/guarded-{uuid.uuid4().hex[:6]}").repo_id
    files = {"README.md": CARD.encode(), "config.json": CONFIG}
    api.create_commit(
        repo_id, [CommitOperationAdd(p, data) for p, data in files.items()], commit_message="Add"
    )
    return repo_id


def _charlie_downloads(hub, repo_id: str, tmp_path) -> bytes:
    path = hf_hub_download(repo_id, "config.json", endpoint=hub.url, token=hub.tokens["charlie"],
                           cache_dir=tmp_path / "cache")  # fmt: skip
    with open(path, "rb") as handle:
        return handle.read()


def test_alice_gates_charlie_asks_alice_accepts_charlie_downloads(hub, browser, guarded, tmp_path):
    alice = browser.new_context().new_page()
    sign_in(alice, hub, "alice")
    alice.goto(f"{hub.url}/{guarded}/settings")
    alice.get_by_role("link", name="Manage access requests").click()
    alice.get_by_label("Gated, manual approval").check()
    alice.get_by_role("button", name="Save gating").click()
    expect(alice.locator(".repo-header .badge.gated")).to_have_text("Gated")

    charlie = browser.new_context().new_page()
    sign_in(charlie, hub, "charlie")
    charlie.goto(f"{hub.url}/{guarded}")
    gate = charlie.locator(".gate")
    expect(gate).to_contain_text("Promise to use this model for good.")
    gate.get_by_label("Company").fill("Charlie Inc")
    gate.get_by_label("Intended use").select_option("Research")
    gate.get_by_label("I agree to the license").check()
    screenshot(charlie, "gated-request-form")
    gate.get_by_role("button", name="Agree and ask for access").click()
    expect(charlie.locator(".gate")).to_contain_text("waiting for the authors' review")
    with pytest.raises(GatedRepoError):
        _charlie_downloads(hub, guarded, tmp_path / "before")

    alice.reload()
    row = alice.locator("table[data-status=pending] tr[data-user=charlie]")
    expect(row).to_contain_text("Charlie Inc")
    expect(row).to_contain_text("Research")
    screenshot(alice, "gated-review")
    row.get_by_role("button", name="Accept").click()
    expect(alice.locator("table[data-status=accepted] tr[data-user=charlie]")).to_be_visible()

    charlie.reload()
    expect(charlie.locator(".gate")).to_have_count(0)
    assert _charlie_downloads(hub, guarded, tmp_path / "after") == CONFIG
    alice.context.close()
    charlie.context.close()


def test_a_signed_out_visitor_sees_the_gate_and_a_sign_in_link(hub, page: Page, guarded):
    HfApi(endpoint=hub.url, token=hub.tokens["alice"]).update_repo_settings(guarded, gated="auto")

    page.goto(f"{hub.url}/{guarded}")

    expect(page.locator(".gate h2")).to_have_text("This repository is gated")
    page.get_by_role("link", name="Sign in to ask for access").click()
    expect(page).to_have_url(f"{hub.url}/login?next=/{guarded}")


def test_charlie_reads_no_file_or_diff_of_a_gated_repo_before_asking(hub, page: Page, guarded):
    api = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    api.update_repo_settings(guarded, gated="auto")
    sign_in(page, hub, "charlie")

    response = page.goto(f"{hub.url}/{guarded}/blob/main/config.json")
    assert response.status == 403
    expect(page.locator("body")).not_to_contain_text("hidden_size")
    page.goto(f"{hub.url}/{guarded}/commit/{api.model_info(guarded).sha}")
    expect(page.locator("h1")).to_contain_text("guarded")
    expect(page.locator("body")).not_to_contain_text("hidden_size")
