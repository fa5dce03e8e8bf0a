"""The CAS endpoints against built xorbs and shards: what they accept, store and register, and
each kind of bad input refused with a clear 400 and nothing registered."""

import json
import struct

import lz4.frame
import pytest

from registry.models import LfsObject
from tests.xet.builders import make_chunks, make_file, make_shard, make_xorb
from tests.xet.conftest import bearer, cas_token, make_repo, post_shard, post_xorb
from xetstore.hashing import hash_to_str
from xetstore.models import XetFile, Xorb
from xetstore.shard import FileTerm

pytestmark = pytest.mark.usefixtures("xet_storage")


@pytest.fixture
def repo(alice):
    return make_repo(alice)


@pytest.fixture
def token(client, alice, repo) -> str:
    return cas_token(client, alice, repo)


def registered(repo) -> tuple[list, list]:
    return list(XetFile.objects.all()), list(LfsObject.objects.filter(repo=repo))


def refused(response, words: str) -> None:
    assert response.status_code == 400, response.content
    assert words in response.json()["error"], response.json()["error"]


# -- xorbs ------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", [0, 1, 2])
def test_a_xorb_is_stored_as_uploaded_once(client, token, xet_storage, scheme):
    xorb = make_xorb(make_chunks(3, seed=scheme), scheme=scheme)

    first = post_xorb(client, token, xorb)
    again = post_xorb(client, token, xorb)

    assert first.json() == {"was_inserted": True}
    assert again.json() == {"was_inserted": False}
    name = hash_to_str(xorb.hash)
    assert (xet_storage / "xorbs" / "default" / name[:2] / name).read_bytes() == xorb.data
    assert Xorb.objects.get(hash=name).chunk_count == 3


def test_a_xorb_whose_chunks_hash_to_another_xorb_is_refused(client, token):
    xorb, other = make_xorb(make_chunks(2, seed=1)), make_xorb(make_chunks(2, seed=2))

    response = post_xorb(client, token, xorb, hash=hash_to_str(other.hash))

    refused(response, "xorb hash mismatch")
    assert not Xorb.objects.exists()


def test_a_xorb_with_a_corrupt_lz4_chunk_is_refused(client, token):
    xorb = make_xorb(make_chunks(2, seed=3), scheme=1)
    payload = lz4.frame.compress(xorb.chunks[0])
    damaged = bytearray(xorb.data)
    damaged[8 + len(payload) // 2] ^= 0xFF

    refused(post_xorb(client, token, xorb, data=bytes(damaged)), "Invalid xorb")
    assert not Xorb.objects.exists()


def test_a_xorb_with_trailing_bytes_is_refused(client, token):
    xorb = make_xorb(make_chunks(2, seed=4))

    refused(post_xorb(client, token, xorb, data=xorb.data + b"\x00\x01\x02"), "truncated")


def test_a_xorb_with_a_header_lying_about_its_length_is_refused(client, token):
    xorb = make_xorb(make_chunks(1, seed=5))
    data = bytearray(xorb.data)
    data[5:8] = (len(xorb.chunks[0]) + 1).to_bytes(3, "little")

    refused(post_xorb(client, token, xorb, data=bytes(data)), "Invalid xorb")


def test_a_xorb_name_that_is_no_hash_is_refused(client, token):
    xorb = make_xorb(make_chunks(1, seed=6))

    refused(post_xorb(client, token, xorb, hash="not-a-hash"), "is not a Xet hash")


def test_an_empty_xorb_is_refused(client, token):
    xorb = make_xorb(make_chunks(1, seed=7))

    refused(post_xorb(client, token, xorb, data=b""), "empty")


def test_a_grant_request_says_stored_xorbs_need_no_upload(client, token):
    xorb = make_xorb(make_chunks(2, seed=8))
    url = f"/xet-cas/v1/xorb-grants/default/{hash_to_str(xorb.hash)}"
    body = {"length": len(xorb.data), "checksum": {"algo": "crc64nvme", "value": "1"}}

    before = client.post(url, data=body, content_type="application/json", headers=bearer(token))
    post_xorb(client, token, xorb)
    after = client.post(url, data=body, content_type="application/json", headers=bearer(token))

    assert before.status_code == 404  # hf_xet then POSTs the xorb itself
    assert after.status_code == 200  # hf_xet skips the upload


# -- shards -----------------------------------------------------------------------------


def upload(client, token, *xorbs) -> None:
    for xorb in xorbs:
        assert post_xorb(client, token, xorb).status_code == 200


def test_a_shard_registers_its_files_and_links_them_to_the_tokens_repo(client, token, repo):
    xorb = make_xorb(make_chunks(4, seed=10))
    upload(client, token, xorb)
    built = make_file([(xorb, 0, 4)])

    response = post_shard(client, token, make_shard([built], [xorb]))

    assert response.status_code == 200
    assert response.json()["result"] in (0, 1)
    file = XetFile.objects.get()
    assert (file.file_hash, file.sha256, file.size) == (
        hash_to_str(built.entry.file_hash), built.sha256, len(built.content)
    )  # fmt: skip
    assert LfsObject.objects.filter(repo=repo, oid=built.sha256, size=file.size).exists()


def test_a_v2_shard_upload_streams_progress_then_a_result(client, token):
    xorb = make_xorb(make_chunks(3, seed=11))
    upload(client, token, xorb)

    response = post_shard(client, token, make_shard([make_file([(xorb, 0, 3)])], [xorb]), version=2)

    frames = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    assert frames[0] == {"type": "validating", "verified": 0, "total": 3 * 8192}
    assert frames[-1] == {"type": "result"}
    assert XetFile.objects.count() == 1


def test_a_file_may_reuse_xorbs_of_earlier_uploads(client, token):
    old, new = make_xorb(make_chunks(4, seed=12)), make_xorb(make_chunks(1, seed=13))
    upload(client, token, old)
    first = post_shard(client, token, make_shard([make_file([(old, 0, 4)])], [old]))
    assert first.status_code == 200
    upload(client, token, new)
    edited = make_file([(old, 0, 2), (new, 0, 1), (old, 3, 4)])

    response = post_shard(client, token, make_shard([edited], [new]))

    assert response.status_code == 200
    assert XetFile.objects.filter(sha256=edited.sha256).exists()


def test_a_shard_without_sha256_gets_it_computed_by_the_store(client, token):
    xorb = make_xorb(make_chunks(2, seed=14), scheme=2)
    upload(client, token, xorb)
    built = make_file([(xorb, 0, 2)], sha256=False)

    assert post_shard(client, token, make_shard([built], [xorb])).status_code == 200
    assert XetFile.objects.get().sha256 == built.sha256


def test_a_shard_naming_a_xorb_never_uploaded_is_refused(client, token, repo):
    stored, missing = make_xorb(make_chunks(2, seed=15)), make_xorb(make_chunks(2, seed=16))
    upload(client, token, stored)
    built = make_file([(stored, 0, 2), (missing, 0, 2)])

    response = post_shard(client, token, make_shard([built], [stored]))

    refused(response, f"xorb {hash_to_str(missing.hash)} was never uploaded")
    assert registered(repo) == ([], [])


def test_a_shard_whose_verification_hash_is_wrong_is_refused(client, token, repo):
    xorb = make_xorb(make_chunks(3, seed=17))
    upload(client, token, xorb)
    built = make_file([(xorb, 0, 3)])
    built.entry.verification[0] = bytes(32)

    refused(post_shard(client, token, make_shard([built], [xorb])), "verification hash is wrong")
    assert registered(repo) == ([], [])


def test_a_shard_without_verification_hashes_is_refused(client, token, repo):
    xorb = make_xorb(make_chunks(2, seed=18))
    upload(client, token, xorb)
    built = make_file([(xorb, 0, 2)])
    built.entry.verification = None

    refused(post_shard(client, token, make_shard([built], [xorb])), "verification hash")
    assert registered(repo) == ([], [])


def test_a_term_past_the_end_of_its_xorb_is_refused(client, token, repo):
    xorb = make_xorb(make_chunks(2, seed=19))
    upload(client, token, xorb)
    built = make_file([(xorb, 0, 2)])
    term = built.entry.terms[0]
    built.entry.terms[0] = FileTerm(term.xorb_hash, 0, 3, term.unpacked)

    refused(post_shard(client, token, make_shard([built], [xorb])), "outside xorb")
    assert registered(repo) == ([], [])


def test_a_term_with_a_wrong_unpacked_size_is_refused(client, token, repo):
    xorb = make_xorb(make_chunks(2, seed=20))
    upload(client, token, xorb)
    built = make_file([(xorb, 0, 2)])
    built.entry.terms[0].unpacked += 1

    refused(post_shard(client, token, make_shard([built], [xorb])), "the chunks hold 16384")
    assert registered(repo) == ([], [])


def test_a_file_hash_that_its_chunks_do_not_give_is_refused(client, token, repo):
    xorb = make_xorb(make_chunks(2, seed=21))
    upload(client, token, xorb)
    built = make_file([(xorb, 0, 2)])
    built.entry.file_hash = make_file([(xorb, 0, 1)]).entry.file_hash

    refused(post_shard(client, token, make_shard([built], [xorb])), "another file hash")
    assert registered(repo) == ([], [])


def test_a_shard_whose_xorb_list_differs_from_the_upload_is_refused(client, token, repo):
    xorb = make_xorb(make_chunks(2, seed=22))
    upload(client, token, xorb)
    entry = xorb.entry
    entry.chunks[1] = (entry.chunks[1][0], entry.chunks[1][1] - 1)
    shard = make_shard([make_file([(xorb, 0, 2)])], [])
    from xetstore.shard import UploadShard, encode_upload_shard, parse_upload_shard

    shard = encode_upload_shard(UploadShard(parse_upload_shard(shard).files, [entry]))

    refused(post_shard(client, token, shard), "differs from the uploaded xorb")
    assert registered(repo) == ([], [])


@pytest.mark.parametrize("version", [1, 2])
def test_a_sha256_that_does_not_match_the_bytes_is_refused(client, token, repo, version):
    xorb = make_xorb(make_chunks(2, seed=23))
    upload(client, token, xorb)
    honest, other = make_file([(xorb, 0, 2)]), make_file([(xorb, 0, 1)])
    honest.entry.sha256 = other.entry.sha256  # claims the bytes of another file

    response = post_shard(client, token, make_shard([honest], [xorb]), version=version)

    if version == 1:
        refused(response, f"its bytes hash to {honest.sha256}")
    else:  # the status line is sent before the bytes are read: the last frame says it
        last = json.loads(b"".join(response.streaming_content).splitlines()[-1])
        assert last["type"] == "error" and last["retryable"] is False
        assert f"its bytes hash to {honest.sha256}" in last["message"]
    assert registered(repo) == ([], [])


def test_one_bad_file_registers_none_of_the_shard(client, token, repo):
    xorb = make_xorb(make_chunks(3, seed=24))
    upload(client, token, xorb)
    good, bad = make_file([(xorb, 0, 3)]), make_file([(xorb, 0, 2)])
    bad.entry.sha256 = good.entry.sha256

    refused(post_shard(client, token, make_shard([good, bad], [xorb])), "hash to")
    assert registered(repo) == ([], [])


@pytest.mark.parametrize(
    "damage",
    [
        lambda shard: b"X" + shard[1:],  # wrong tag
        lambda shard: shard[:32] + struct.pack("<Q", 3) + shard[40:],  # version 3
        lambda shard: shard[:-48],  # no closing bookend
        lambda shard: shard + b"\x00",  # trailing byte
    ],
    ids=["tag", "version", "bookend", "trailing"],
)
def test_a_structurally_broken_shard_is_refused_even_on_v2(client, token, repo, damage):
    xorb = make_xorb(make_chunks(1, seed=25))
    upload(client, token, xorb)
    shard = damage(make_shard([make_file([(xorb, 0, 1)])], [xorb]))

    refused(post_shard(client, token, shard, version=2), "Invalid shard")
    assert registered(repo) == ([], [])


# -- what the client may only try ------------------------------------------------------


def test_an_unknown_chunk_finds_nothing_and_telemetry_is_accepted(client, token):
    chunk = client.get("/xet-cas/v1/chunks/default/" + "ab" * 32, headers=bearer(token))
    report = client.post("/xet-cas/v1/telemetry", data={"event": "x"},
                         content_type="application/json", headers=bearer(token))  # fmt: skip

    assert chunk.status_code == 404
    assert report.status_code == 200
