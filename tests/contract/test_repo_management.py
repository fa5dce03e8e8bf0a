"""Repo management with the real client: POST /api/repos/move, PUT .../settings, likes
(POST/DELETE .../like, .../likers, /api/users/{user}/likes) and .../auth-check."""

import pytest
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

from tests.contract.conftest import make_repo, wire
from tests.contract.helpers import commit_files, read_text

pytestmark = pytest.mark.live


def _like(hub, persona, repo_id: str, *, repo_type: str = "models") -> None:
    """There is no like() in huggingface_hub 2.4.0: the web page POSTs this."""
    with wire(hub, persona) as client:
        response = client.post(f"/api/{repo_type}/{repo_id}/like")
    assert response.status_code == 200, response.text


def test_a_moved_repo_keeps_answering_under_its_old_name(hub, alice, repo_name):
    old_id = make_repo(hub, alice, repo_name)
    api = alice.api(hub)
    commit_files(api, old_id, {"kept.txt": "still here"})
    new_id = f"alice/{repo_name}-renamed"

    api.move_repo(from_id=old_id, to_id=new_id)

    assert api.model_info(new_id).id == new_id
    assert api.model_info(old_id).id == new_id
    assert read_text(api, old_id, "kept.txt") == "still here"
    assert read_text(api, new_id, "kept.txt") == "still here"
    assert sorted(api.list_repo_files(old_id)) == [".gitattributes", "kept.txt"]
    assert [m.id for m in api.list_models(search=repo_name)] == [new_id]


def test_a_moved_private_repo_does_not_reveal_its_new_name_to_charlie(
    hub, alice, charlie, repo_name
):
    old_id = make_repo(hub, alice, repo_name, private=True)
    alice.api(hub).move_repo(from_id=old_id, to_id=f"alice/{repo_name}-hidden")

    with wire(hub, charlie) as client:
        response = client.get(f"/api/models/{old_id}")

    assert response.status_code == 404
    assert response.headers["X-Error-Code"] == "RepoNotFound"
    assert "hidden" not in response.headers.get("Location", "") + response.text


def test_deleting_by_a_moved_repos_old_name_is_repo_not_found_not_a_redirect_loop(
    hub, alice, repo_name
):
    old_id = make_repo(hub, alice, repo_name)
    new_id = f"alice/{repo_name}-renamed"
    api = alice.api(hub)
    api.move_repo(from_id=old_id, to_id=new_id)

    with pytest.raises(RepositoryNotFoundError):
        api.delete_repo(old_id)
    api.delete_repo(old_id, missing_ok=True)

    assert api.model_info(new_id).id == new_id


def test_a_repo_moves_into_an_org_alice_administers(hub, alice, bob, repo_name):
    old_id = make_repo(hub, alice, repo_name)

    alice.api(hub).move_repo(from_id=old_id, to_id=f"acme/{repo_name}")

    assert bob.api(hub).model_info(old_id).id == f"acme/{repo_name}"
    commit_files(bob.api(hub), f"acme/{repo_name}", {"bob.txt": "bob writes here now"})


def test_moving_onto_an_existing_repo_is_a_409_already_exists(hub, alice, repo_name):
    source = make_repo(hub, alice, repo_name)
    target = make_repo(hub, alice, f"{repo_name}-taken")

    with pytest.raises(HfHubHTTPError) as refused:
        alice.api(hub).move_repo(from_id=source, to_id=target)

    assert refused.value.response.status_code == 409
    assert "already exists" in str(refused.value)
    assert alice.api(hub).model_info(source).id == source


def test_moving_onto_an_existing_name_in_other_case_is_a_409_as_repo_ids_are_case_insensitive(
    hub, alice, repo_name
):
    source = make_repo(hub, alice, repo_name)
    make_repo(hub, alice, f"{repo_name}-taken")

    with pytest.raises(HfHubHTTPError) as refused:
        alice.api(hub).move_repo(from_id=source, to_id=f"alice/{repo_name.upper()}-TAKEN")

    assert refused.value.response.status_code == 409
    assert "already exists" in str(refused.value)


def test_charlie_cannot_move_alices_repo(hub, alice, charlie, repo_name):
    repo_id = make_repo(hub, alice, repo_name)

    with pytest.raises(HfHubHTTPError) as refused:
        charlie.api(hub).move_repo(from_id=repo_id, to_id=f"charlie/{repo_name}")

    assert refused.value.response.status_code == 403
    assert alice.api(hub).model_info(repo_id).id == repo_id


def test_update_repo_settings_makes_a_repo_private_and_public_again(
    hub, alice, charlie, anonymous, repo_name
):
    repo_id = make_repo(hub, alice, repo_name)
    api = alice.api(hub)

    api.update_repo_settings(repo_id, private=True)
    private = api.model_info(repo_id).private
    with pytest.raises(RepositoryNotFoundError):
        charlie.api(hub).model_info(repo_id)
    with pytest.raises(RepositoryNotFoundError):
        anonymous.api(hub).model_info(repo_id)
    api.update_repo_settings(repo_id, private=False)

    assert private is True
    assert api.model_info(repo_id).private is False
    assert charlie.api(hub).model_info(repo_id).id == repo_id


def test_update_repo_settings_gates_a_repo(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    api = alice.api(hub)

    api.update_repo_settings(repo_id, gated="manual")
    gated = api.model_info(repo_id).gated
    api.update_repo_settings(repo_id, gated=False)

    assert gated == "manual"
    assert api.model_info(repo_id).gated is False


def test_charlie_cannot_change_the_settings_of_alices_repo(hub, alice, charlie, repo_name):
    repo_id = make_repo(hub, alice, repo_name)

    with pytest.raises(HfHubHTTPError) as refused:
        charlie.api(hub).update_repo_settings(repo_id, private=True)

    assert refused.value.response.status_code == 403
    assert alice.api(hub).model_info(repo_id).private is False


def test_likes_show_up_in_likers_liked_repos_and_the_count(hub, alice, bob, charlie, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    _like(hub, alice, repo_id)
    _like(hub, bob, repo_id)
    _like(hub, bob, repo_id)

    likers = {user.username for user in charlie.api(hub).list_repo_likers(repo_id)}
    liked = charlie.api(hub).list_liked_repos("bob")

    assert likers == {"alice", "bob"}
    assert repo_id in liked.models
    assert alice.api(hub).model_info(repo_id).likes == 2


def test_unlike_removes_the_like(hub, alice, bob, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    _like(hub, alice, repo_id)
    _like(hub, bob, repo_id)

    bob.api(hub).unlike(repo_id)

    assert [user.username for user in alice.api(hub).list_repo_likers(repo_id)] == ["alice"]
    assert repo_id not in bob.api(hub).list_liked_repos().models
    assert alice.api(hub).model_info(repo_id).likes == 1


def test_a_liked_dataset_is_listed_as_a_dataset(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name, repo_type="dataset")
    _like(hub, alice, repo_id, repo_type="datasets")

    liked = alice.api(hub).list_liked_repos("alice")

    assert repo_id in liked.datasets and repo_id not in liked.models


def test_likes_of_a_private_repo_are_shown_only_to_those_who_may_see_it(
    hub, alice, charlie, repo_name
):
    repo_id = make_repo(hub, alice, repo_name, private=True)
    _like(hub, alice, repo_id)

    assert repo_id in alice.api(hub).list_liked_repos("alice").models
    assert repo_id not in charlie.api(hub).list_liked_repos("alice").models


def test_anonymous_cannot_like(hub, alice, anonymous, repo_name):
    repo_id = make_repo(hub, alice, repo_name)

    with wire(hub, anonymous) as client:
        response = client.post(f"/api/models/{repo_id}/like")

    assert response.status_code == 401
    assert alice.api(hub).model_info(repo_id).likes == 0


def test_auth_check_passes_for_alice_and_hides_her_private_repo_from_charlie(
    hub, alice, charlie, repo_name
):
    repo_id = make_repo(hub, alice, repo_name, private=True)

    alice.api(hub).auth_check(repo_id)
    alice.api(hub).auth_check(repo_id, write=True)
    with pytest.raises(RepositoryNotFoundError):
        charlie.api(hub).auth_check(repo_id)


def test_auth_check_for_writing_passes_for_bob_in_acme_and_fails_for_charlie(
    hub, alice, bob, charlie, repo_name
):
    repo_id = make_repo(hub, alice, repo_name, namespace="acme")

    bob.api(hub).auth_check(repo_id, write=True)
    charlie.api(hub).auth_check(repo_id)
    with pytest.raises(HfHubHTTPError) as refused:
        charlie.api(hub).auth_check(repo_id, write=True)

    assert refused.value.response.status_code == 403


def test_auth_check_with_a_read_token_fails_for_writing(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)

    alice.api(hub, read_only=True).auth_check(repo_id)
    with pytest.raises(HfHubHTTPError) as refused:
        alice.api(hub, read_only=True).auth_check(repo_id, write=True)

    assert refused.value.response.status_code == 403
