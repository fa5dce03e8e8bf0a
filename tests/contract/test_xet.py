"""Files the Xet store does not hold (uploaded through Git LFS, or regular files) carry no Xet
hint anywhere, so hf_xet never takes over their download."""

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


def test_no_response_about_an_lfs_uploaded_file_hints_at_xet(hub, alice, repo_id):
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
