"""The shard hf_xet accepts as an answer to a global deduplication query.

Layout from hf_xet 1.8.0 xet_core_structures/src/metadata_shard/shard_format.rs
(`MDBShardFileFooter`) and streaming_shard.rs (`serialize_impl`, what its reference server
sends): the header with the footer's size, an empty file section, the xorb section, no lookup
tables (the client rebuilds them from the xorb section), then the 200-byte footer. Chunk
hashes are keyed (blake3 with the footer's key, `DataHash::hmac`): the client matches its own
chunks against them and learns nothing about chunks it does not have.
"""

import struct
from collections.abc import Sequence

import blake3

from xetstore.shard import BOOKEND_HASH, HEADER_TAG, HEADER_VERSION
from xetstore.xorb import ChunkRecord

# constants.rs MDB_SHARD_GLOBAL_DEDUP_CHUNK_MODULUS; DataHash's `%` takes its last u64 word.
DEDUP_MODULUS = 1024
FOOTER_VERSION = 1

_HEADER = struct.Struct("<32sQQ")
_RECORD = struct.Struct("<32sIIII")
# version, 2 section offsets, 3 (offset, count) lookup pairs, HMAC key, creation time,
# key expiry, 6 spare u64, stored bytes on disk, materialized bytes, stored bytes, footer offset.
_FOOTER = struct.Struct("<9Q32sQQ48xQQQQ")
_BOOKEND = _RECORD.pack(BOOKEND_HASH, 0, 0, 0, 0)


def dedup_eligible(chunk_hash: bytes) -> bool:
    """Whether hf_xet asks the server about this chunk wherever it is in a file."""
    return int.from_bytes(chunk_hash[24:32], "little") % DEDUP_MODULUS == 0


def keyed_hash(chunk_hash: bytes, key: bytes) -> bytes:
    return blake3.blake3(chunk_hash, key=key).digest()


def dedup_shard_encode(
    xorbs: Sequence[tuple[bytes, int, list[ChunkRecord]]], *, key: bytes, created: int, expiry: int
) -> bytes:
    """A keyed shard describing `xorbs`, each `(hash, serialized length, chunk index)`."""
    out = bytearray(_HEADER.pack(HEADER_TAG, HEADER_VERSION, _FOOTER.size))
    file_section = len(out)
    out += _BOOKEND
    xorb_section = len(out)
    stored = on_disk = 0
    for xorb_hash, serialized_len, chunks in xorbs:
        raw_total = sum(chunk.raw_len for chunk in chunks)
        out += _RECORD.pack(xorb_hash, 0, len(chunks), raw_total, serialized_len)
        offset = 0
        for chunk in chunks:
            out += _RECORD.pack(keyed_hash(chunk.hash, key), offset, chunk.raw_len, 0, 0)
            offset += chunk.raw_len
        stored += raw_total
        on_disk += serialized_len
    out += _BOOKEND
    end = len(out)
    out += _FOOTER.pack(FOOTER_VERSION, file_section, xorb_section, end, 0, end, 0, end, 0,
                        key, created, expiry, on_disk, 0, stored, end)  # fmt: skip
    return bytes(out)
