"""Global deduplication: `GET /v1/chunks/...` answers a keyed shard of the xorbs of files
holding the chunk, but only of files the token's user may read."""

import struct

import pytest

from tests.conftest import make_token
from tests.xet.builders import make_chunks, make_file, make_shard, make_xorb
from tests.xet.conftest import bearer, cas_token, make_repo, post_shard, post_xorb
from xetstore.dedup import keyed_hash
from xetstore.hashing import chunk_hash, hash_to_str
from xetstore.shard import HEADER_TAG

pytestmark = pytest.mark.usefixtures("xet_storage")


def stored_file(client, user, repo, seed: int):
    """A file of two xorbs, uploaded to `repo`; returns (file, xorbs)."""
    xorbs = [make_xorb(make_chunks(3, seed=seed)), make_xorb(make_chunks(2, seed=seed + 1))]
    token = cas_token(client, user, repo)
    for xorb in xorbs:
        assert post_xorb(client, token, xorb).status_code == 200
    built = make_file([(xorbs[0], 0, 3), (xorbs[1], 0, 2)])
    assert post_shard(client, token, make_shard([built], xorbs)).status_code == 200
    return built, xorbs


def ask(client, token: str, chunk: bytes):
    return client.get(f"/xet-cas/v1/chunks/default/{hash_to_str(chunk_hash(chunk))}",
                      headers=bearer(token))  # fmt: skip


def test_the_first_chunk_of_a_file_finds_every_xorb_of_it_keyed(client, alice):
    repo = make_repo(alice)
    _, xorbs = stored_file(client, alice, repo, seed=1)
    token = cas_token(client, alice, make_repo(alice, name="next-model"))

    response = ask(client, token, xorbs[0].chunks[0])

    shard = response.content
    assert response.status_code == 200
    assert shard[:32] == HEADER_TAG
    assert struct.unpack_from("<Q", shard, 40)[0] == 200  # a footer, unlike uploads
    key = shard[-200 + 72 : -200 + 104]
    for xorb in xorbs:
        assert xorb.hash in shard
        for chunk in xorb.chunks:
            assert keyed_hash(chunk_hash(chunk), key) in shard
            assert chunk_hash(chunk) not in shard  # the client only matches chunks it has


def test_any_chunk_finds_the_latest_files_of_the_tokens_repo(client, alice):
    """A new revision's first chunk is new when its first tensor changed: the old files of
    the repo are what it will reuse."""
    repo = make_repo(alice)
    _, xorbs = stored_file(client, alice, repo, seed=3)

    response = ask(client, cas_token(client, alice, repo), b"never stored")

    assert response.status_code == 200
    assert all(xorb.hash in response.content for xorb in xorbs)


def test_nothing_is_found_in_a_repo_without_xet_files(client, alice):
    repo = make_repo(alice)
    stored_file(client, alice, make_repo(alice, name="other"), seed=4)

    response = ask(client, cas_token(client, alice, repo), b"never stored")

    assert response.status_code == 404


def test_charlie_learns_nothing_of_alices_private_files(client, alice, charlie):
    private = make_repo(alice, name="secret", private=True)
    _, xorbs = stored_file(client, alice, private, seed=5)
    theirs = make_repo(charlie, name="theirs")

    response = ask(client, cas_token(client, charlie, theirs), xorbs[0].chunks[0])

    assert response.status_code == 404


def test_anyone_may_reuse_the_chunks_of_public_files(client, alice, charlie):
    public = make_repo(alice, name="open")
    _, xorbs = stored_file(client, alice, public, seed=7)
    theirs = make_repo(charlie, name="theirs")

    response = ask(client, cas_token(client, charlie, theirs), xorbs[0].chunks[0])

    assert response.status_code == 200


def test_a_dedup_query_needs_a_cas_token(client, alice):
    response = client.get(
        "/xet-cas/v1/chunks/default/" + "ab" * 32, headers=bearer(make_token(alice))
    )

    assert response.status_code == 401
