"""This hub has no Xet store: it says so on the token routes and never hints at Xet elsewhere,
so hf_xet never takes over a download."""

import os

import pytest
from huggingface_hub import CommitOperationAdd

from tests.contract.conftest import make_repo, wire, xet_disabled

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def repo_id(hub, alice) -> str:
    repo_id = make_repo(hub, alice, "xet-contract")
    with xet_disabled():
        alice.api(hub).create_commit(repo_id, commit_message="files", operations=[
            CommitOperationAdd("config.json", b"{}"),
            CommitOperationAdd("weights.bin", os.urandom(4096)),
            CommitOperationAdd("sub/weights.safetensors", os.urandom(4096)),
        ])  # fmt: skip
    return repo_id


@pytest.mark.parametrize("kind", ["write", "read"])
def test_the_xet_token_routes_answer_501_naming_hf_hub_disable_xet(hub, alice, repo_id, kind):
    with wire(hub, alice) as client:
        response = client.get(f"/api/models/{repo_id}/xet-{kind}-token/main")

    assert response.status_code == 501
    assert "HF_HUB_DISABLE_XET" in response.headers["X-Error-Message"]


def test_no_response_hints_at_xet(hub, alice, repo_id):
    with wire(hub, alice) as client:
        sha = client.get(f"/api/models/{repo_id}").json()["sha"]
        responses = [
            client.get(f"/api/models/{repo_id}?blobs=true"),
            client.get(f"/api/models/{repo_id}/tree/main?recursive=true&expand=true"),
            client.post(f"/api/models/{repo_id}/paths-info/{sha}",
                        data={"paths": ["weights.bin", "config.json"], "expand": "true"}),
            client.head(f"/{repo_id}/resolve/main/weights.bin"),
            client.get(f"/{repo_id}/resolve/{sha}/sub/weights.safetensors"),
            client.head(f"/{repo_id}/resolve/main/config.json"),
            client.get(f"/{repo_id}/resolve/main/config.json", headers={"Range": "bytes=0-0"}),
        ]  # fmt: skip

    assert [r.status_code for r in responses] == [200, 200, 200, 200, 200, 200, 206]
    for response in responses:
        assert not [name for name in response.headers if name.lower().startswith("x-xet")]
        assert "xet-auth" not in response.headers.get("Link", "")
        assert b"xetHash" not in response.content


def test_the_stock_client_cannot_upload_an_lfs_file_and_commits_nothing(
    hub, alice, repo_name, with_xet
):
    """hf_xet takes every LFS-mode upload; it stops at the 501 before any commit."""
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)
    sha = api.model_info(repo_id).sha

    with pytest.raises(ConnectionError, match="501"):
        api.upload_file(path_or_fileobj=os.urandom(4096), path_in_repo="w.bin", repo_id=repo_id)

    assert api.model_info(repo_id).sha == sha
