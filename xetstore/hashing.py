"""Xet hashes: chunk, xorb (aggregated merkle), file and term-verification hashes, and the
string form Xet uses for every 32-byte hash."""

import struct
from collections.abc import Sequence

import blake3

# blake3 keys. DATA_KEY and INTERNAL_NODE_KEY: hf_xet 1.8.0
# xet_core_structures/src/merklehash/data_hash.rs (`DATA_KEY`, `INTERNAL_NODE_HASH`), also in
# hub-docs docs/xet/hashing.md. VERIFICATION_KEY: metadata_shard/chunk_verification.rs.
DATA_KEY = bytes.fromhex("6697f5775b9550de3135cbaca597181c9de421109beb2b58b4d0b04b93adf229")
INTERNAL_NODE_KEY = bytes.fromhex(
    "017ec5c7a5472996fd946666b48a02e65ddd536f37c76dd2f86352e64a53713f"
)
VERIFICATION_KEY = bytes.fromhex("7f1857d6ce56ed66127ff913e7a5c3f3a4cd26d5b5db49e64124987f28fb94c3")
# The file hash is the aggregated hash keyed with an all-zero salt
# (aggregated_hashes.rs `file_hash`).
FILE_KEY = bytes(32)
ZERO_HASH = bytes(32)

# Merkle tree shape, aggregated_hashes.rs: a group closes after a node whose hash is 0 mod 4
# (the mean fanout), never with fewer than 2 or more than 9 (2 * 4 + 1) children.
_MEAN_FANOUT = 4
_MAX_GROUP = 2 * _MEAN_FANOUT + 1
_WORDS = struct.Struct("<4Q")


def hash_to_str(raw: bytes) -> str:
    """The Xet string form: each 8-byte word read as a little-endian u64, in 16 hex digits."""
    if len(raw) != 32:
        raise ValueError(f"a Xet hash has 32 bytes, got {len(raw)}")
    return "{:016x}{:016x}{:016x}{:016x}".format(*_WORDS.unpack(raw))


def str_to_hash(text: str) -> bytes:
    if len(text) != 64 or not all(c in "0123456789abcdefABCDEF" for c in text):
        raise ValueError(f"a Xet hash is 64 hex characters, got {text[:80]!r}")
    return b"".join(bytes.fromhex(text[i : i + 16])[::-1] for i in range(0, 64, 16))


def chunk_hash(data: bytes) -> bytes:
    return blake3.blake3(data, key=DATA_KEY).digest()


def _merge(group: Sequence[tuple[bytes, int]]) -> tuple[bytes, int]:
    # An internal node hashes the text "<hash string> : <size>\n" of each child.
    text = "".join(f"{hash_to_str(h)} : {n}\n" for h, n in group)
    return blake3.blake3(text.encode(), key=INTERNAL_NODE_KEY).digest(), sum(n for _, n in group)


def _next_cut(level: Sequence[tuple[bytes, int]], start: int) -> int:
    remaining = len(level) - start
    if remaining <= 2:
        return len(level)
    end = start + min(_MAX_GROUP, remaining)
    for i in range(start + 2, end):
        if int.from_bytes(level[i][0][24:32], "little") % _MEAN_FANOUT == 0:
            return i + 1
    return end


def _aggregated(chunks: Sequence[tuple[bytes, int]]) -> bytes:
    level = list(chunks)
    while len(level) > 1:
        merged = []
        start = 0
        while start < len(level):
            cut = _next_cut(level, start)
            merged.append(_merge(level[start:cut]))
            start = cut
        level = merged
    return level[0][0]


def xorb_hash(chunks: Sequence[tuple[bytes, int]]) -> bytes:
    """The aggregated merkle hash of (chunk hash, raw length) pairs; empty -> zero hash."""
    if not chunks:
        return ZERO_HASH
    return _aggregated(chunks)


def file_hash(chunks: Sequence[tuple[bytes, int]], salt: bytes = FILE_KEY) -> bytes:
    """The file hash over all chunks of a file in order; empty file -> zero hash."""
    if not chunks:
        return ZERO_HASH
    return blake3.blake3(_aggregated(chunks), key=salt).digest()


def verification_hash(chunk_hashes: Sequence[bytes]) -> bytes:
    """A shard term's range hash: keyed blake3 over the raw chunk hashes it covers."""
    return blake3.blake3(b"".join(chunk_hashes), key=VERIFICATION_KEY).digest()
