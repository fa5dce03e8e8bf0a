"""The Xet format library against the published vectors, the real hf_xet client and bad input."""

import contextlib
import hashlib
import json
import random
import struct
from pathlib import Path

import hf_xet
import lz4.frame
import pytest

from tests.xet.builders import make_chunks, make_file, make_shard, make_xorb
from xetstore.hashing import (
    chunk_hash,
    file_hash,
    hash_to_str,
    str_to_hash,
    verification_hash,
    xorb_hash,
)
from xetstore.shard import (
    FileEntry,
    ShardError,
    UploadShard,
    encode_upload_shard,
    parse_upload_shard,
)
from xetstore.xorb import (
    XorbError,
    decode_chunks,
    encode_xorb,
    pack_index,
    parse_xorb,
    unpack_index,
)

FIXTURES = Path(__file__).parent / "fixtures"


def xet_hashes_of_files(tmp_path: Path, contents: list[bytes]) -> list[str]:
    """The file hashes the real client computes (with its own chunking) for these contents."""
    paths = []
    for i, content in enumerate(contents):
        path = tmp_path / f"file{i}"
        path.write_bytes(content)
        paths.append(str(path))
    return [info.hash for info in hf_xet.hash_files(paths)]


# --- hash strings ---------------------------------------------------------------------------


def test_hash_string_reverses_each_8_byte_word():
    # reference xet.md §4; docs/xet/api.md prints this with two digits missing.
    text = "07060504030201000f0e0d0c0b0a090817161514131211101f1e1d1c1b1a1918"
    assert hash_to_str(bytes(range(32))) == text
    assert str_to_hash(text) == bytes(range(32))


def test_hash_string_matches_the_client_endianness_vector():
    # data_hash.rs test_hash_hex_string_endianness / test_hash_from_be_bytes
    raw = bytes(
        [22, 175, 58, 132, 4, 75, 131, 214, 190, 153, 138, 66, 226, 3, 153, 242]
        + [204, 86, 80, 234, 249, 153, 80, 99, 159, 80, 65, 138, 236, 231, 149, 78]
    )
    text = "d6834b04843aaf16f29903e2428a99be635099f9ea5056cc4e95e7ec8a41509f"
    assert hash_to_str(raw) == text
    assert str_to_hash(text) == raw
    big_endian = bytes(
        [214, 131, 75, 4, 132, 58, 175, 22, 242, 153, 3, 226, 66, 138, 153, 190]
        + [99, 80, 153, 249, 234, 80, 86, 204, 78, 149, 231, 236, 138, 65, 80, 159]
    )
    assert str_to_hash(big_endian.hex()) == raw


@pytest.mark.parametrize(
    "text",
    ["", "abcdef", "g" * 64, "07060504030201000f0e0d0c0b0a0908171615141312111f1e1d1c1b1a1918"],
)
def test_str_to_hash_refuses_anything_but_64_hex_characters(text):
    with pytest.raises(ValueError, match="64 hex"):
        str_to_hash(text)


# --- hashes ---------------------------------------------------------------------------------

VECTORS = json.loads((FIXTURES / "aggregated_hashes_vectors.json").read_text())["cases"]


@pytest.mark.parametrize("case", VECTORS, ids=[f"leaves{len(c['leaves'])}" for c in VECTORS])
def test_xorb_and_salted_file_hashes_match_the_client_reference_vectors(case):
    leaves = [(str_to_hash(h), size) for h, size in case["leaves"]]
    assert hash_to_str(xorb_hash(leaves)) == case["xorb_hash"]
    for salt, expected in case["salted_file_hashes"]:
        assert hash_to_str(file_hash(leaves, salt=str_to_hash(salt))) == expected


def test_all_18_reference_cases_are_present():
    assert len(VECTORS) == 18


def test_hello_xet_vector():
    content = b"hello xet"
    chunk = chunk_hash(content)
    assert hash_to_str(chunk) == "6a349f801ba87a0089cf89b95d9d40c810b6645471948f7399870fe76957b6cb"
    assert xorb_hash([(chunk, 9)]) == chunk
    assert (
        hash_to_str(file_hash([(chunk, 9)]))
        == "7fe64ee1a188b9b2297a7637697fa23c5a98fe8020b9a69084269b2d15711637"
    )
    assert (
        hash_to_str(verification_hash([chunk]))
        == "f424584c6e5c91f4aca30206ad6e90a0ba28fb941714dadae2a0954878ee8743"
    )
    serialized = bytes.fromhex("0009000000090000") + content
    assert encode_xorb([content]) == serialized
    parsed = parse_xorb(serialized, expected_hash=chunk)
    assert (parsed.raw_total, parsed.serialized_len) == (9, 17)


def test_empty_file_and_xorb_hash_to_zero():
    assert xorb_hash([]) == bytes(32)
    assert file_hash([]) == bytes(32)


@pytest.mark.parametrize("size", [1, 9, 4097, 8192])
def test_file_hash_of_a_one_chunk_file_matches_the_client(tmp_path, size):
    # Below the client's 8 KiB minimum chunk size a file is a single chunk.
    content = random.Random(size).randbytes(size)
    (expected,) = xet_hashes_of_files(tmp_path, [content])
    assert hash_to_str(file_hash([(chunk_hash(content), size)])) == expected


def test_file_hash_of_a_41_chunk_file_matches_the_client(tmp_path):
    # Runs of one byte value never trigger the client's gear-hash cut, so it cuts at the 128 KiB
    # maximum: 40 distinct full chunks and a short tail, a merkle tree three levels deep.
    chunks = [bytes([i]) * 131072 for i in range(40)] + [b"\x07" * 1000]
    (expected,) = xet_hashes_of_files(tmp_path, [b"".join(chunks)])
    assert hash_to_str(file_hash([(chunk_hash(c), len(c)) for c in chunks])) == expected


# --- bytes captured from the real client ----------------------------------------------------

# tests/xet/fixtures/README.md says how these were captured.
CAPTURED_XORB_HASH = "b5abcb1efdaf4fc2991b175e229021182a3468763f83bec09b20776c3e2086be"


def captured_contents() -> tuple[bytes, bytes]:
    text = "".join(f"line {i}: the quick brown fox jumps over the lazy dog\n" for i in range(80))
    rng = random.Random(7)
    floats = b"".join(struct.pack("<f", 1.0 + rng.random()) for _ in range(1500))
    return text.encode(), floats + b"\x01\x02\x03"


def test_a_client_xorb_with_lz4_and_bg4_chunks_parses_and_decodes():
    data = (FIXTURES / "hf_xet-1.8.0-upload.xorb").read_bytes()
    parsed = parse_xorb(data, expected_hash=str_to_hash(CAPTURED_XORB_HASH))
    assert [data[c.offset + 4] for c in parsed.chunks] == [1, 2]  # LZ4, BG4-LZ4 (6003 bytes)
    assert list(decode_chunks(data)) == list(captured_contents())
    assert parsed.serialized_len == len(data)


def test_a_client_shard_parses_and_re_encodes_byte_for_byte(tmp_path):
    data = (FIXTURES / "hf_xet-1.8.0-upload.shard").read_bytes()
    shard = parse_upload_shard(data)
    assert encode_upload_shard(shard) == data
    xorb = parse_xorb((FIXTURES / "hf_xet-1.8.0-upload.xorb").read_bytes())
    assert [x.xorb_hash for x in shard.xorbs] == [xorb.hash]
    assert shard.xorbs[0].chunks == [(c.hash, c.raw_len) for c in xorb.chunks]
    contents = captured_contents()
    by_sha = {hashlib.sha256(c).hexdigest(): c for c in contents}
    assert {hash_to_str(f.sha256) for f in shard.files} == set(by_sha)
    client_hashes = xet_hashes_of_files(tmp_path, list(contents))
    for file in shard.files:
        assert [(t.start, t.end) for t in file.terms] in ([(0, 1)], [(1, 2)])
        chunks = [(c.hash, c.raw_len) for c in xorb.chunks[file.terms[0].start : file.terms[0].end]]
        assert file.file_hash == file_hash(chunks)
        assert file.verification == [verification_hash([h for h, _ in chunks])]
        assert hash_to_str(file.file_hash) in client_hashes


# --- xorbs ----------------------------------------------------------------------------------

ODD_SIZES = [1, 2, 3, 4, 5, 6, 7, 4093, 8192, 65539, 131072]


@pytest.mark.parametrize("scheme", [0, 1, 2])
def test_xorb_round_trips_with_each_scheme(scheme):
    floats = b"".join(struct.pack("<f", i / 7) for i in range(3000)) + b"\x00\x01\x02"
    chunks = [random.Random(n).randbytes(n) for n in ODD_SIZES] + [floats, b"abc" * 999]
    data = encode_xorb(chunks, scheme)
    parsed = parse_xorb(data)
    assert parsed.hash == xorb_hash([(chunk_hash(c), len(c)) for c in chunks])
    assert parsed.raw_total == sum(map(len, chunks))
    assert parsed.serialized_len == len(data)
    assert [data[c.offset + 4] for c in parsed.chunks] == [scheme] * len(chunks)
    assert list(decode_chunks(data)) == chunks
    first, last = parsed.chunks[3], parsed.chunks[6]
    assert list(decode_chunks(data[first.offset : last.offset + last.length])) == chunks[3:7]
    assert unpack_index(pack_index(parsed.chunks)) == parsed.chunks


def test_xorb_parsing_stops_at_a_footer():
    data = encode_xorb(make_chunks(3))
    parsed = parse_xorb(data + b"XETBLOB\x01 anything after the footer")
    assert parsed.serialized_len == len(data)
    assert len(parsed.chunks) == 3


def test_unpack_index_refuses_a_partial_record():
    with pytest.raises(ValueError, match="multiple of 44"):
        unpack_index(bytes(45))


GOOD = encode_xorb(make_chunks(2, size=1000))
LZ4 = encode_xorb([b"abc" * 1000], scheme=1)


def with_byte(data: bytes, index: int, value: int) -> bytes:
    return data[:index] + bytes([value]) + data[index + 1 :]


def lz4_chunk(payload: bytes, raw_len: int, scheme: int = 1) -> bytes:
    return (
        bytes([0])
        + len(payload).to_bytes(3, "little")
        + bytes([scheme])
        + raw_len.to_bytes(3, "little")
        + payload
    )


BAD_XORBS = {
    "bad version": (with_byte(GOOD, 0, 1), "unsupported chunk version 1"),
    "bad scheme": (with_byte(GOOD, 4, 3), "unknown compression scheme 3"),
    "truncated header": (GOOD + b"\x00\x01\x00", "truncated header"),
    "truncated payload": (GOOD[:-1], "truncated payload"),
    "raw length too small": (with_byte(LZ4, 5, LZ4[5] - 1), "decompressed to"),
    "raw length too large": (with_byte(LZ4, 5, LZ4[5] + 1), "decompressed to"),
    "stored length differs from raw": (with_byte(GOOD, 5, GOOD[5] - 1), "decompressed to"),
    "raw length above 128 KiB": (encode_xorb([bytes(131073)]), "raw length 131073 outside"),
    "compressed length above 256 KiB": (lz4_chunk(bytes(262145), 10), "compressed length 262145"),
    "trailing zeros": (GOOD + bytes(16), "raw length 0 outside"),
    "trailing garbage": (GOOD + b"garbage!", "unsupported chunk version"),
    "not an lz4 frame": (lz4_chunk(b"not lz4 at all", 14), "bad LZ4 frame"),
    "two lz4 frames": (lz4_chunk(lz4.frame.compress(b"ab") * 2, 2), "exactly one complete frame"),
    "cut lz4 frame": (lz4_chunk(lz4.frame.compress(b"ab" * 500)[:-6], 1000), "LZ4"),
    "no chunks": (b"", "no chunks"),
    "too many chunks": (encode_xorb([b"x"] * 8193), "more than 8192 chunks"),
    "over 64 MiB of raw bytes": (encode_xorb([bytes(131072)] * 513, 1), "holds 67239936 bytes"),
}


@pytest.mark.parametrize("case", BAD_XORBS, ids=list(BAD_XORBS))
def test_bad_xorb_is_refused_with_a_reason(case):
    data, message = BAD_XORBS[case]
    with pytest.raises(XorbError, match=message):
        parse_xorb(data)


def test_xorb_with_another_hash_is_refused():
    with pytest.raises(XorbError, match="xorb hash mismatch: expected 0{64}, the chunks hash to"):
        parse_xorb(GOOD, expected_hash=bytes(32))


def test_oversize_xorb_is_refused():
    with pytest.raises(XorbError, match=f"xorb is {len(GOOD)} bytes, the limit is 100"):
        parse_xorb(GOOD, max_size=100)


def test_decoding_a_broken_range_raises():
    with pytest.raises(XorbError, match="truncated payload"):
        list(decode_chunks(GOOD[:-1]))


# --- shards ---------------------------------------------------------------------------------


def two_file_shard() -> tuple[bytes, UploadShard]:
    old = make_xorb(make_chunks(5, seed=1), scheme=1)
    new = make_xorb(make_chunks(3, seed=2), scheme=2)
    files = [make_file([(old, 0, 2), (new, 0, 3), (old, 4, 5)]), make_file([(old, 1, 4)])]
    data = make_shard(files, [new])
    return data, UploadShard([f.entry for f in files], [new.entry])


def test_shard_round_trips():
    data, shard = two_file_shard()
    assert parse_upload_shard(data) == shard
    assert len(data) == 48 * (1 + (1 + 3 + 3 + 1) + (1 + 1 + 1 + 1) + 1 + (1 + 3) + 1)


def test_shard_without_verification_or_sha256_parses():
    xorb = make_xorb(make_chunks(2))
    entry = make_file([(xorb, 0, 2)]).entry
    shard = UploadShard([FileEntry(entry.file_hash, entry.terms, None, None)], [])
    assert parse_upload_shard(encode_upload_shard(shard)) == shard


def with_u32(data: bytes, offset: int, value: int) -> bytes:
    return data[:offset] + struct.pack("<I", value) + data[offset + 4 :]


SHARD, _ = two_file_shard()
FILE_HEADER, FIRST_XORB_HEADER = 48, 48 * 14
BAD_SHARDS = {
    "bad tag": (b"X" + SHARD[1:], "wrong header tag"),
    "version 1": (SHARD[:32] + struct.pack("<Q", 1) + SHARD[40:], "unsupported shard version 1"),
    "footer": (SHARD[:40] + struct.pack("<Q", 200) + SHARD[48:], "no footer"),
    "truncated header": (SHARD[:40], "shard header .* past the end"),
    "no file bookend": (SHARD[: FILE_HEADER + 48 * 8], "file section has no bookend"),
    "no xorb bookend": (SHARD[:-48], "xorb section has no bookend"),
    "file entries out of bounds": (
        with_u32(SHARD, FILE_HEADER + 36, 10**6),
        "file 0 .* past the end",
    ),
    "xorb entries out of bounds": (
        with_u32(SHARD, FIRST_XORB_HEADER + 36, 99),
        "xorb 0 .* past the end",
    ),
    "unknown file flags": (with_u32(SHARD, FILE_HEADER + 32, 0xC0000001), "unknown file flags"),
    "trailing bytes": (SHARD + bytes(10), "10 trailing bytes"),
}


@pytest.mark.parametrize("case", BAD_SHARDS, ids=list(BAD_SHARDS))
def test_bad_shard_is_refused_with_a_reason(case):
    data, message = BAD_SHARDS[case]
    with pytest.raises(ShardError, match=message):
        parse_upload_shard(data)


def test_oversize_shard_is_refused():
    with pytest.raises(ShardError, match=f"shard is {len(SHARD)} bytes, the limit is 500"):
        parse_upload_shard(SHARD, max_size=500)


def test_corrupted_xorbs_raise_only_xorb_errors_or_still_hash_the_same():
    rng = random.Random(0)
    for scheme in (0, 1, 2):
        xorb = make_xorb(make_chunks(3, size=700, seed=scheme), scheme)
        for _ in range(700):
            data = bytearray(xorb.data)
            for _ in range(rng.randint(1, 3)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            with contextlib.suppress(XorbError):
                assert parse_xorb(bytes(data), expected_hash=xorb.hash).hash == xorb.hash


def test_corrupted_shards_raise_only_shard_errors():
    rng = random.Random(0)
    for _ in range(2000):
        data = bytearray(SHARD)
        for _ in range(rng.randint(1, 3)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        with contextlib.suppress(ShardError):
            parse_upload_shard(bytes(data))
