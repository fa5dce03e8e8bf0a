"""Reconstructions (v1 and v2, with ranges) and the signed xorb links they hand out, rebuilt
into bytes the way hf_xet does it; and who may read which file."""

import random
from urllib.parse import urlsplit

import pytest

from tests.xet.builders import make_file, make_shard, make_xorb
from tests.xet.conftest import bearer, cas_token, make_repo, post_shard, post_xorb
from xetstore import files
from xetstore.hashing import hash_to_str
from xetstore.models import XetFile
from xetstore.xorb import decode_chunks

pytestmark = pytest.mark.usefixtures("xet_storage")


@pytest.fixture
def repo(alice):
    return make_repo(alice)


@pytest.fixture
def stored(client, alice, repo):
    """A file of 3 terms over 2 xorbs (one reused), chunks of uneven sizes, mixed schemes."""
    rng = random.Random(1)
    first = make_xorb([rng.randbytes(rng.randint(1000, 9000)) for _ in range(6)], scheme=1)
    second = make_xorb([rng.randbytes(rng.randint(1000, 9000)) for _ in range(3)], scheme=2)
    token = cas_token(client, alice, repo)
    for xorb in (first, second):
        assert post_xorb(client, token, xorb).status_code == 200
    built = make_file([(first, 1, 4), (second, 0, 3), (first, 4, 6)])
    assert post_shard(client, token, make_shard([built], [first, second])).status_code == 200
    return built


def reconstruction(client, token: str, built, version: int, span: str | None = None):
    headers = bearer(token) | ({"Range": span} if span else {})
    file_hash = hash_to_str(built.entry.file_hash)
    return client.get(f"/xet-cas/v{version}/reconstructions/{file_hash}", headers=headers)


def fetch(client, url: str, first: int, last: int) -> bytes:
    parts = urlsplit(url)
    response = client.get(f"{parts.path}?{parts.query}", headers={"Range": f"bytes={first}-{last}"})
    assert response.status_code == 206
    assert response["Content-Range"].startswith(f"bytes {first}-{last}/")
    return b"".join(response.streaming_content)


def rebuild(client, body: dict, version: int) -> bytes:
    """What hf_xet does: for each term, a fetched range covering its chunks, decoded."""
    ranges = []  # (xorb, chunk start, chunk end, url, first byte, last byte)
    if version == 1:
        for xorb, infos in body["fetch_info"].items():
            for info in infos:
                r, b = info["range"], info["url_range"]
                ranges.append((xorb, r["start"], r["end"], info["url"], b["start"], b["end"]))
    else:
        for xorb, fetches in body["xorbs"].items():
            for item in fetches:
                for r in item["ranges"]:
                    c, b = r["chunks"], r["bytes"]
                    ranges.append((xorb, c["start"], c["end"], item["url"], b["start"], b["end"]))
    out = b""
    for term in body["terms"]:
        start, end = term["range"]["start"], term["range"]["end"]
        xorb, c0, c1, url, b0, b1 = next(
            r for r in ranges if r[0] == term["hash"] and r[1] <= start and end <= r[2]
        )
        chunks = list(decode_chunks(fetch(client, url, b0, b1)))[start - c0 : end - c0]
        data = b"".join(chunks)
        assert len(data) == term["unpacked_length"]
        out += data
    return out[body["offset_into_first_range"] :]


@pytest.mark.parametrize("version", [1, 2])
def test_a_whole_file_rebuilds_byte_for_byte(client, alice, repo, stored, version):
    token = cas_token(client, alice, repo, kind="read")
    size = len(stored.content)

    response = reconstruction(client, token, stored, version, f"bytes=0-{size - 1}")

    assert response.status_code == 200
    assert rebuild(client, response.json(), version) == stored.content


@pytest.mark.parametrize("version", [1, 2])
def test_ranges_rebuild_exactly_their_bytes(client, alice, repo, stored, version):
    token = cas_token(client, alice, repo, kind="read")
    size, rng = len(stored.content), random.Random(version)
    spans = [(0, 0), (1, 5000), (size - 1, size - 1), (size - 10, size + 100)]
    spans += [sorted(rng.sample(range(size), 2)) for _ in range(8)]

    for first, last in spans:
        body = reconstruction(client, token, stored, version, f"bytes={first}-{last}").json()
        wanted = stored.content[first : last + 1]
        assert rebuild(client, body, version)[: len(wanted)] == wanted, (first, last)


def test_an_open_range_and_no_range_give_the_rest_and_the_whole(client, alice, repo, stored):
    token = cas_token(client, alice, repo, kind="read")

    tail = reconstruction(client, token, stored, 2, "bytes=20000-").json()
    whole = reconstruction(client, token, stored, 1).json()

    assert rebuild(client, tail, 2) == stored.content[20000:]
    assert rebuild(client, whole, 1) == stored.content


def test_a_range_past_the_end_is_a_416(client, alice, repo, stored):
    token = cas_token(client, alice, repo, kind="read")
    size = len(stored.content)

    response = reconstruction(client, token, stored, 2, f"bytes={size}-{size + 10}")

    assert response.status_code == 416


def test_a_token_for_another_repo_cannot_read_the_file(client, alice, charlie, stored):
    theirs = make_repo(charlie, name="elsewhere")
    token = cas_token(client, charlie, theirs, kind="read")

    response = reconstruction(client, token, stored, 1)

    assert response.status_code == 403
    assert "not in this token's repository" in response.json()["error"]


def test_an_unknown_file_is_a_404(client, alice, repo, stored):
    token = cas_token(client, alice, repo, kind="read")
    response = client.get("/xet-cas/v1/reconstructions/" + "12" * 32, headers=bearer(token))

    assert response.status_code == 404


def test_a_xorb_link_serves_only_its_range_and_only_signed(client, alice, repo, stored):
    token = cas_token(client, alice, repo, kind="read")
    body = reconstruction(client, token, stored, 1).json()
    info = next(iter(body["fetch_info"].values()))[0]
    parts = urlsplit(info["url"])
    first, last = info["url_range"]["start"], info["url_range"]["end"]

    wider = client.get(f"{parts.path}?{parts.query}", headers={"Range": f"bytes=0-{last + 1}"})
    forged = client.get(f"{parts.path}?{parts.query}x", headers={"Range": f"bytes={first}-{last}"})
    unsigned = client.get(parts.path, headers={"Range": f"bytes={first}-{last}"})

    assert [r.status_code for r in (wider, forged, unsigned)] == [403, 403, 403]


def test_read_range_streams_the_plain_bytes_the_hub_serves(stored):
    file = XetFile.objects.get()
    size = len(stored.content)

    for first, last in [(0, size), (0, 1), (3000, 25000), (size - 7, size)]:
        assert b"".join(files.read_range(file, first, last)) == stored.content[first:last]
    assert files.file_for_sha256(stored.sha256, size) == file
    assert files.file_for_sha256(stored.sha256, size + 1) is None
