"""The model page as a Hub user expects it: size and tensor types from the safetensors
headers, "Use this model" for each client, and the Spaces that use the model."""

import json
import struct

import pytest

from tests.web.conftest import commit_files, commit_lfs, make_repo

pytestmark = pytest.mark.django_db

CARD = b"---\npipeline_tag: text-classification\nlibrary_name: transformers\n---\n# Tiny\n"


def safetensors(tensors: dict[str, tuple[str, list[int]]]) -> bytes:
    """A well-formed file: each tensor's bytes follow the previous one's, zero-filled."""
    sizes = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8}
    header, offset = {}, 0
    for name, (dtype, shape) in tensors.items():
        size = sizes[dtype] * (shape[0] if len(shape) == 1 else shape[0] * shape[1])
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + b"\0" * offset


@pytest.fixture
def tiny(alice):
    repo = make_repo(alice, "tiny")
    commit_files(repo, alice, {"README.md": CARD})
    weights = safetensors({"w": ("F32", [1000, 300]), "b": ("BF16", [300])})
    commit_lfs(repo, alice, "model.safetensors", weights)
    return repo


def test_the_page_gives_the_size_and_tensor_types_read_from_the_safetensors_headers(client, tiny):
    page = client.get("/alice/tiny").content.decode()

    assert "<dt>Model size</dt><dd>300k params</dd>" in page
    assert '<span class="badge dtype">F32</span>' in page
    assert '<span class="badge dtype">BF16</span>' in page
    assert "<dt>Format</dt><dd>Safetensors</dd>" in page


def test_a_malformed_header_shows_no_size_and_the_page_still_renders(client, alice):
    repo = make_repo(alice, "broken")
    commit_lfs(repo, alice, "model.safetensors", struct.pack("<Q", 10**6) + b"{}")

    response = client.get("/alice/broken")

    assert response.status_code == 200
    assert "Model size" not in response.content.decode()


def test_use_this_model_loads_it_with_each_client_at_this_hubs_address(client, tiny):
    page = client.get("/alice/tiny").content.decode()

    for snippet in (
        "pipeline(&quot;text-classification&quot;, model=&quot;alice/tiny&quot;)",
        "AutoModelForSequenceClassification.from_pretrained(&quot;alice/tiny&quot;)",
        "snapshot_download(&quot;alice/tiny&quot;, endpoint=&quot;http://testserver&quot;)",
        "git clone http://testserver/alice/tiny",
        "curl http://testserver/models/alice/tiny",
    ):
        assert snippet in page
    # Every box has its copy button, carrying the exact code.
    assert page.count('aria-label="Copy the ') == 4


def test_spaces_naming_the_model_are_listed_each_to_those_who_may_see_them(
    client, alice, bob, charlie, tiny
):
    for owner, name, private, models in (
        (bob, "demo", False, "[alice/tiny]"),
        (alice, "secret-demo", True, "[alice/tiny]"),
        (bob, "other", False, "[alice/tiny-large]"),
    ):
        space = make_repo(owner, name, repo_type="space", private=private)
        card = f"---\nsdk: static\nmodels: {models}\n---\n".encode()
        commit_files(space, owner, {"README.md": card})

    client.force_login(charlie)
    seen_by_charlie = client.get("/alice/tiny").content.decode()
    client.force_login(alice)
    seen_by_alice = client.get("/alice/tiny").content.decode()

    assert "Spaces using this model" in seen_by_charlie
    assert "/spaces/bob/demo" in seen_by_charlie
    assert "secret-demo" not in seen_by_charlie
    assert "/spaces/bob/other" not in seen_by_charlie
    assert "/spaces/alice/secret-demo" in seen_by_alice
