"""Creating and deleting repositories with the real client: POST /api/repos/create, DELETE
/api/repos/delete."""

import re

import pytest
from huggingface_hub import constants, metadata_update
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

from tests.contract.conftest import make_repo, wire

pytestmark = pytest.mark.live


@pytest.mark.parametrize(
    ("repo_type", "extra", "prefix"),
    [
        ("model", {}, ""),
        ("dataset", {}, "datasets/"),
        ("space", {"space_sdk": "gradio"}, "spaces/"),
    ],
)
def test_it_creates_a_repo_of_each_type_with_an_initial_commit(
    hub, alice, repo_name, repo_type, extra, prefix
):
    api = alice.api(hub)

    url = api.create_repo(f"alice/{repo_name}", repo_type=repo_type, **extra)

    assert str(url) == f"{hub.url}/{prefix}alice/{repo_name}"
    assert (url.repo_id, url.repo_type) == (f"alice/{repo_name}", repo_type)
    info = api.repo_info(url.repo_id, repo_type=repo_type)
    assert info.id == f"alice/{repo_name}"
    assert re.fullmatch(r"[0-9a-f]{40}", info.sha)
    assert info.private is False
    expected = [".gitattributes", "README.md"] if repo_type == "space" else [".gitattributes"]
    assert api.list_repo_files(url.repo_id, repo_type=repo_type) == expected


def test_a_new_space_starts_with_a_card_naming_its_sdk(hub, alice, repo_name):
    api = alice.api(hub)
    repo_id = api.create_repo(f"alice/{repo_name}", repo_type="space", space_sdk="gradio").repo_id

    info = api.space_info(repo_id)

    assert info.sdk == "gradio"
    assert info.card_data["title"] == repo_name


def test_metadata_update_on_a_space_whose_readme_was_deleted_is_refused_by_the_client(
    hub, alice, repo_name, monkeypatch
):
    """The client creates a default card for models and datasets only: a Space's comes from
    the hub when the Space is created."""

    # metadata_update takes no endpoint: it reads the client's configured one.
    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    template = hub.url + "/{repo_id}/resolve/{revision}/{filename}"
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", template)
    api = alice.api(hub)
    repo_id = api.create_repo(f"alice/{repo_name}", repo_type="space", space_sdk="static").repo_id
    api.delete_file("README.md", repo_id, repo_type="space")

    with pytest.raises(ValueError, match="Space that doesn't contain a `README.md`"):
        metadata_update(repo_id, {"tag": "x"}, token=alice.token, repo_type="space")


def test_it_creates_a_private_repo(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name, private=True)

    assert alice.api(hub).model_info(repo_id).private is True


def test_creating_an_existing_repo_is_a_409_that_still_carries_its_url(hub, alice, repo_name):
    api = alice.api(hub)
    first = api.create_repo(f"alice/{repo_name}")

    again = api.create_repo(f"alice/{repo_name}", exist_ok=True)
    with pytest.raises(HfHubHTTPError) as refused:
        api.create_repo(f"alice/{repo_name}")
    with wire(hub, alice) as client:
        raw = client.post("/api/repos/create", json={"name": repo_name, "organization": None})

    assert again == first
    assert refused.value.response.status_code == 409
    assert raw.status_code == 409
    assert raw.json()["url"] == f"{hub.url}/alice/{repo_name}"


def test_repo_names_are_case_insensitive(hub, alice, repo_name):
    api = alice.api(hub)
    api.create_repo(f"alice/{repo_name}")

    again = api.create_repo(f"alice/{repo_name.upper()}", exist_ok=True)

    assert again.repo_id == f"alice/{repo_name}"
    assert api.model_info(f"alice/{repo_name.upper()}").id == f"alice/{repo_name}"


def test_bob_creates_a_repo_in_the_acme_org_he_writes_to(hub, alice, bob, repo_name):
    url = bob.api(hub).create_repo(f"acme/{repo_name}", private=True)

    assert url.repo_id == f"acme/{repo_name}"
    assert alice.api(hub).model_info(f"acme/{repo_name}").author == "acme"


def test_charlie_cannot_create_a_repo_in_the_acme_org(hub, alice, charlie, repo_name):
    with pytest.raises(HfHubHTTPError) as refused:
        charlie.api(hub).create_repo(f"acme/{repo_name}")

    assert refused.value.response.status_code == 403
    with pytest.raises(RepositoryNotFoundError):
        alice.api(hub).model_info(f"acme/{repo_name}")


def test_it_deletes_a_repo_and_missing_ok_tolerates_a_second_delete(hub, alice, repo_name):
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)

    api.delete_repo(repo_id)

    with pytest.raises(RepositoryNotFoundError):
        api.model_info(repo_id)
    with pytest.raises(RepositoryNotFoundError):
        api.delete_repo(repo_id)
    api.delete_repo(repo_id, missing_ok=True)


def test_a_deleted_name_can_be_created_again_empty(hub, alice, repo_name):
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)
    api.upload_file(path_or_fileobj=b"old", path_in_repo="old.txt", repo_id=repo_id)
    api.delete_repo(repo_id)

    api.create_repo(repo_id)

    assert api.list_repo_files(repo_id) == [".gitattributes"]


def test_charlie_cannot_delete_alices_public_repo(hub, alice, charlie, repo_name):
    repo_id = make_repo(hub, alice, repo_name)

    with pytest.raises(HfHubHTTPError) as refused:
        charlie.api(hub).delete_repo(repo_id)

    assert refused.value.response.status_code == 403
    assert alice.api(hub).model_info(repo_id).id == repo_id


def test_a_model_and_a_dataset_may_share_a_name_and_are_deleted_apart(hub, alice, repo_name):
    api = alice.api(hub)
    make_repo(hub, alice, repo_name)
    make_repo(hub, alice, repo_name, repo_type="dataset")

    api.delete_repo(f"alice/{repo_name}", repo_type="dataset")

    with pytest.raises(RepositoryNotFoundError):
        api.dataset_info(f"alice/{repo_name}")
    assert api.model_info(f"alice/{repo_name}").id == f"alice/{repo_name}"
