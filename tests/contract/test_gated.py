"""Gated repos through the real client: charlie and anonymous see a gated repo but cannot read
its files (GatedRepoError) until alice lets charlie in; alice and bob (acme's writer) read;
access requests are listed, accepted, rejected, cancelled and granted as `HfApi` drives them.
"""

import hashlib
import os

import pytest
from huggingface_hub import CommitOperationAdd, hf_hub_download, snapshot_download
from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError

from tests.contract.conftest import commit_header, file_line, make_repo, ndjson, post_commit, wire
from tests.contract.gitcli import GitCli, remote
from tests.contract.helpers import card

pytestmark = pytest.mark.live

WEIGHTS = os.urandom(200 * 1024)
CONFIG = b'{"hidden_size": 8}\n'
FORM = {"Company": "text", "I agree to the terms": "checkbox"}
ANSWERS = {"Company": "Charlie Inc", "I agree to the terms": "on"}


def _gated(hub, alice, name: str, mode: str, weights: bytes = WEIGHTS, **create) -> str:
    """acme's model (alice administers acme, bob writes to it), gated in `mode`, with a card
    that asks the questions of FORM."""
    repo_id = make_repo(hub, alice, name, namespace="acme", **create)
    api = alice.api(hub)
    readme = card(extra_gated_prompt="Use it kindly.", extra_gated_fields=FORM)
    files = {"weights.bin": weights, "config.json": CONFIG, "README.md": readme.encode()}
    api.create_commit(
        repo_id, [CommitOperationAdd(path, data) for path, data in files.items()],
        commit_message="Add model",
    )  # fmt: skip
    api.update_repo_settings(repo_id, gated=mode)
    return repo_id


@pytest.fixture
def gated(hub, alice, repo_name) -> str:
    return _gated(hub, alice, repo_name, "manual")


def download(hub, persona, repo_id: str, filename: str, tmp_path) -> bytes:
    path = hf_hub_download(repo_id, filename, endpoint=hub.url, token=persona.token,
                           cache_dir=tmp_path / f"cache-{persona.name}")  # fmt: skip
    with open(path, "rb") as handle:
        return handle.read()


def ask_access(hub, persona, repo_id: str, answers: dict):
    """The request form of the repo's page, sent as a script sends it (with a token)."""
    with wire(hub, persona) as client:
        return client.post(f"/{repo_id}/ask-access", data=answers)


def test_model_info_reports_the_gating_mode_as_the_hub_does(hub, alice, gated):
    api = alice.api(hub)
    manual = api.model_info(gated).gated
    api.update_repo_settings(gated, gated="auto")
    auto = api.model_info(gated).gated
    api.update_repo_settings(gated, gated=False)

    assert (manual, auto, api.model_info(gated).gated) == ("manual", "auto", False)


@pytest.mark.parametrize("filename", ["config.json", "weights.bin"])
def test_charlie_gets_the_gated_repo_error_with_the_hubs_message(
    hub, charlie, gated, filename, tmp_path
):
    with pytest.raises(
        GatedRepoError, match="is restricted and you are not in the authorized list"
    ):
        download(hub, charlie, gated, filename, tmp_path)


def test_anonymous_gets_the_gated_repo_error_as_a_401(hub, anonymous, gated, tmp_path):
    with pytest.raises(GatedRepoError) as raised:
        download(hub, anonymous, gated, "config.json", tmp_path)

    assert raised.value.response.status_code == 401
    assert "Please log in" in raised.value.response.headers["X-Error-Message"]


def test_charlie_still_sees_the_repo_its_files_and_its_card(hub, charlie, gated, tmp_path):
    api = charlie.api(hub)

    assert api.model_info(gated).gated == "manual"
    assert set(api.list_repo_files(gated)) >= {"weights.bin", "config.json", "README.md"}
    assert [p.path for p in api.get_paths_info(gated, ["weights.bin"])] == ["weights.bin"]
    assert b"Use it kindly." in download(hub, charlie, gated, "README.md", tmp_path)


def test_alice_and_acmes_writer_bob_read_the_files(hub, alice, bob, gated, tmp_path):
    assert download(hub, alice, gated, "weights.bin", tmp_path) == WEIGHTS
    assert download(hub, bob, gated, "config.json", tmp_path) == CONFIG


def test_auth_check_refuses_charlie_and_lets_bob_in(hub, bob, charlie, gated):
    with pytest.raises(GatedRepoError):
        charlie.api(hub).auth_check(gated)

    bob.api(hub).auth_check(gated)


def test_a_manual_request_waits_for_alice_then_charlie_downloads(
    hub, alice, charlie, gated, tmp_path
):
    api = alice.api(hub)
    asked = ask_access(hub, charlie, gated, ANSWERS)
    pending = list(api.list_pending_access_requests(gated))
    with pytest.raises(GatedRepoError):
        download(hub, charlie, gated, "config.json", tmp_path)

    api.accept_access_request(gated, "charlie")

    assert asked.status_code == 302
    assert [(r.username, r.status, r.fields) for r in pending] == [
        ("charlie", "pending", {"Company": "Charlie Inc", "I agree to the terms": True})
    ]
    assert [r.username for r in api.list_accepted_access_requests(gated)] == ["charlie"]
    assert download(hub, charlie, gated, "weights.bin", tmp_path) == WEIGHTS
    snapshot = snapshot_download(gated, endpoint=hub.url, token=charlie.token,
                                 cache_dir=tmp_path / "snapshot")  # fmt: skip
    with open(os.path.join(snapshot, "weights.bin"), "rb") as handle:
        assert handle.read() == WEIGHTS


def test_a_request_missing_an_answer_is_refused(hub, alice, charlie, gated):
    asked = ask_access(hub, charlie, gated, {"Company": "Charlie Inc"})

    assert asked.status_code == 400
    assert list(alice.api(hub).list_pending_access_requests(gated)) == []


def test_auto_mode_lets_charlie_in_as_soon_as_he_asks(hub, alice, charlie, repo_name, tmp_path):
    repo_id = _gated(hub, alice, repo_name, "auto")

    ask_access(hub, charlie, repo_id, ANSWERS)

    assert download(hub, charlie, repo_id, "config.json", tmp_path) == CONFIG
    assert [r.username for r in alice.api(hub).list_accepted_access_requests(repo_id)] == [
        "charlie"
    ]


def test_cancel_reject_and_accept_by_request_id_move_charlies_access(
    hub, alice, charlie, gated, tmp_path
):
    api = alice.api(hub)
    api.grant_access(gated, "charlie")
    granted = list(api.list_accepted_access_requests(gated))
    api.cancel_access_request(gated, "charlie")
    pending = [r.username for r in api.list_pending_access_requests(gated)]
    with pytest.raises(GatedRepoError):
        download(hub, charlie, gated, "config.json", tmp_path / "cancelled")
    api.reject_access_request(gated, "charlie", rejection_reason="Not now")
    rejected = list(api.list_rejected_access_requests(gated))
    api.accept_access_request(gated, request_id=rejected[0].request_id)

    assert [(r.username, r.email, r.status) for r in granted] == [("charlie", None, "accepted")]
    assert pending == ["charlie"]
    assert [(r.username, r.status) for r in rejected] == [("charlie", "rejected")]
    assert list(api.list_pending_access_requests(gated)) == []
    assert download(hub, charlie, gated, "config.json", tmp_path / "accepted") == CONFIG


def test_a_request_cannot_move_to_where_it_is(hub, alice, gated):
    api = alice.api(hub)
    api.grant_access(gated, "charlie")

    with pytest.raises(HfHubHTTPError):
        api.grant_access(gated, "charlie")
    with pytest.raises(HfHubHTTPError):
        api.accept_access_request(gated, "charlie")
    api.reject_access_request(gated, "charlie", rejection_reason="No")
    with pytest.raises(HfHubHTTPError):
        api.reject_access_request(gated, "charlie", rejection_reason="No")
    api.cancel_access_request(gated, "charlie")
    with pytest.raises(HfHubHTTPError):
        api.cancel_access_request(gated, "charlie")


def test_only_writers_with_a_write_token_review_requests(hub, alice, bob, charlie, gated):
    bob.api(hub).grant_access(gated, "charlie")

    for api in (charlie.api(hub), alice.api(hub, read_only=True)):
        with pytest.raises(HfHubHTTPError) as refused:
            list(api.list_accepted_access_requests(gated))
        assert refused.value.response.status_code == 403


def test_requests_of_a_repo_that_is_not_gated_are_a_400(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)

    with pytest.raises(HfHubHTTPError) as refused:
        list(alice.api(hub).list_pending_access_requests(repo_id))

    assert refused.value.response.status_code == 400


def test_private_beats_gated_for_charlie_and_anonymous(
    hub, alice, charlie, anonymous, repo_name, tmp_path
):
    repo_id = _gated(hub, alice, repo_name, "auto", private=True)

    for persona in (charlie, anonymous):
        with pytest.raises(RepositoryNotFoundError) as hidden:
            download(hub, persona, repo_id, "config.json", tmp_path)
        assert not isinstance(hidden.value, GatedRepoError)
        with pytest.raises(RepositoryNotFoundError):
            persona.api(hub).model_info(repo_id)
    assert ask_access(hub, charlie, repo_id, ANSWERS).status_code == 404


def test_git_clone_is_refused_until_charlie_is_let_in(hub, alice, charlie, gated, tmp_path):
    git = GitCli(tmp_path / "home")
    refused = git("clone", remote(hub, gated, token=charlie.token), "refused", cwd=tmp_path,
                  check=False)  # fmt: skip
    anonymous = git("clone", remote(hub, gated), "anonymous", cwd=tmp_path, check=False)
    alice.api(hub).grant_access(gated, "charlie")
    git("clone", remote(hub, gated, token=charlie.token), "granted", cwd=tmp_path)

    assert refused.returncode != 0 and "restricted" in refused.stderr
    assert anonymous.returncode != 0
    assert (tmp_path / "granted" / "weights.bin").read_bytes() == WEIGHTS


def test_the_lfs_batch_and_the_xet_read_token_refuse_charlie(hub, charlie, gated):
    oid = hashlib.sha256(WEIGHTS).hexdigest()
    with wire(hub, charlie) as client:
        batch = client.post(
            f"/{gated}.git/info/lfs/objects/batch",
            json={"operation": "download", "objects": [{"oid": oid, "size": len(WEIGHTS)}]},
            headers={"Accept": "application/vnd.git-lfs+json"},
        )
        xet = client.get(f"/api/models/{gated}/xet-read-token/main")

    assert (batch.status_code, batch.headers["X-Error-Code"]) == (403, "GatedRepo")
    assert (xet.status_code, xet.headers["X-Error-Code"]) == (403, "GatedRepo")


def test_a_pointer_in_charlies_own_repo_does_not_open_the_gated_bytes(
    hub, alice, charlie, repo_name, tmp_path
):
    weights = os.urandom(100 * 1024)  # bytes no other repo of this module holds
    _gated(hub, alice, repo_name, "manual", weights=weights)
    oid = hashlib.sha256(weights).hexdigest()
    pointer = (
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {len(weights)}\n"
    ).encode()
    mirror = make_repo(hub, charlie, f"{repo_name}-mirror")
    with wire(hub, charlie) as client:
        post_commit(client, mirror, ndjson(commit_header(), file_line("stolen.bin", pointer)))

    try:
        got = download(hub, charlie, mirror, "stolen.bin", tmp_path)
    except HfHubHTTPError:
        got = b""
    assert weights[:64] not in got
