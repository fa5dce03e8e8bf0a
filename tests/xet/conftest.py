import pytest

from registry.services.repos import repo_create
from tests.conftest import make_token
from xetstore.hashing import hash_to_str


@pytest.fixture
def xet_storage(settings, tmp_path):
    """Git repositories and xorbs of this test only."""
    from xetstore.storage import xorb_store

    settings.HUB_REPOS_DIR = tmp_path / "repos"
    settings.HUB_XET_DIR = tmp_path / "xet"
    xorb_store.cache_clear()
    yield tmp_path / "xet"
    xorb_store.cache_clear()


def make_repo(owner, name: str = "weights", **overrides):
    fields = {"organization": None, "repo_type": "model", "private": False} | overrides
    return repo_create(user=owner, token=None, name=name, **fields)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def cas_token(client, user, repo, *, kind: str = "write", rev: str = "main") -> str:
    """A CAS token from the hub's token route, asked with a hub token of `user`."""
    response = client.get(
        f"/api/models/{repo.repo_id}/xet-{kind}-token/{rev}", headers=bearer(make_token(user))
    )
    assert response.status_code == 200, response.content
    return response.json()["accessToken"]


def post_xorb(client, token: str, xorb, *, hash: str | None = None, data: bytes | None = None):
    return client.post(
        f"/xet-cas/v1/xorbs/default/{hash or hash_to_str(xorb.hash)}",
        data=xorb.data if data is None else data,
        content_type="application/octet-stream",
        headers=bearer(token),
    )


def post_shard(client, token: str, shard: bytes, *, version: int = 1):
    return client.post(
        f"/xet-cas/v{version}/shards",
        data=shard,
        content_type="application/octet-stream",
        headers=bearer(token),
    )
