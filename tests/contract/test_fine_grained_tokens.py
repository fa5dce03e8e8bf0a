"""The operator's promise: a CI system gets a token that can push to one repo and nothing
else, through the real client and real git, and `hf auth whoami` shows what it can do."""

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

from tests.contract.conftest import make_repo
from tests.contract.gitcli import GitCli, remote


@pytest.fixture(scope="module")
def ci(hub, alice) -> dict:
    """alice/ci-target (private, the CI's), alice/ci-other (public), alice/ci-secret
    (private), and a fine-grained token of alice's that may read and write the first only."""
    for name, private in (("ci-target", True), ("ci-other", False), ("ci-secret", True)):
        make_repo(hub, alice, name, private=private)
    scope = "model:alice/ci-target:repo.content.read,repo.write"
    printed = hub.manage("createtoken", "alice", "--name", "ci", "--scope", scope,
                         "--expires-days", "30").stdout  # fmt: skip
    return {"token": printed.strip().splitlines()[-1]}


def test_the_ci_token_uploads_to_its_repo_with_the_real_client(hub, ci):
    api = HfApi(endpoint=hub.url, token=ci["token"])

    api.upload_file(path_or_fileobj=b"ok\n", path_in_repo="build.txt", repo_id="alice/ci-target")

    assert api.hf_hub_download("alice/ci-target", "build.txt") and "build.txt" in {
        f for f in api.list_repo_files("alice/ci-target")
    }


def test_the_ci_token_cannot_push_anywhere_else_or_read_another_private_repo(hub, ci):
    api = HfApi(endpoint=hub.url, token=ci["token"])

    with pytest.raises(HfHubHTTPError) as refused:
        api.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id="alice/ci-other")
    assert refused.value.response.status_code == 403
    with pytest.raises(RepositoryNotFoundError) as hidden:
        api.model_info("alice/ci-secret")
    assert hidden.value.response.status_code == 404


def test_git_push_with_the_ci_token_works_on_its_repo_only(hub, ci, tmp_path):
    git = GitCli(tmp_path / "home")
    target = remote(hub, "alice/ci-target", token=ci["token"])
    git("clone", target, "target", cwd=tmp_path)
    git.commit_files(tmp_path / "target", {"pushed.txt": b"by git\n"}, "CI push")

    git("push", "origin", "main", cwd=tmp_path / "target")

    files = HfApi(endpoint=hub.url, token=ci["token"]).list_repo_files("alice/ci-target")
    assert "pushed.txt" in files
    other = remote(hub, "alice/ci-other", token=ci["token"])
    git("clone", other, "other", cwd=tmp_path)
    git.commit_files(tmp_path / "other", {"pushed.txt": b"by git\n"}, "CI push")
    assert git("push", "origin", "main", cwd=tmp_path / "other", check=False).returncode != 0


def test_whoami_with_the_real_client_describes_the_fine_grained_token(hub, ci):
    me = HfApi(endpoint=hub.url, token=ci["token"]).whoami()

    token = me["auth"]["accessToken"]
    assert me["name"] == "alice" and token["role"] == "fineGrained"
    assert token["fineGrained"]["scoped"] == [
        {
            "entity": {"_id": token["fineGrained"]["scoped"][0]["entity"]["_id"],
                       "type": "model", "name": "alice/ci-target"},
            "permissions": ["repo.content.read", "repo.write"],
        }
    ]  # fmt: skip
