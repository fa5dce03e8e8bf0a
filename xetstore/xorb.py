"""Xorbs: a run of chunks, each an 8-byte header and a payload, as hf_xet uploads them.

Layout from hf_xet 1.8.0 xet_core_structures/src/xorb_object/xorb_chunk_format.rs and hub-docs
docs/xet/xorb.md: header = version u8 (0), compressed length u24 LE, scheme u8, raw length u24 LE.
"""

import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import lz4.frame

from xetstore.hashing import chunk_hash, hash_to_str, xorb_hash

HEADER_LEN = 8
CHUNK_VERSION = 0
# compression_scheme.rs: 0 none, 1 LZ4 frame (lz4_flex FrameEncoder), 2 byte grouping 4, then an
# LZ4 frame.
SCHEME_NONE, SCHEME_LZ4, SCHEME_BG4_LZ4 = 0, 1, 2
# xorb_object/constants.rs: MAX_CHUNK_SIZE = 64 KiB target * 2, MAX_XORB_BYTES = 64 MiB,
# MAX_XORB_CHUNKS = 8 Ki (fixed in release builds). The chunk header check allows a compressed
# length of up to twice the chunk limit (xorb_chunk_format.rs `validate`).
MAX_CHUNK_RAW = 128 * 1024
MAX_CHUNK_STORED = 2 * MAX_CHUNK_RAW
MAX_XORB_BYTES = 64 * 1024 * 1024
MAX_XORB_CHUNKS = 8 * 1024
# The client cuts xorbs on raw bytes (file_upload_session.rs) and stores a chunk uncompressed when
# compression does not help, so a serialized xorb is at most the raw limit plus its chunk headers.
MAX_SERIALIZED_XORB = MAX_XORB_BYTES + HEADER_LEN * MAX_XORB_CHUNKS
# xorb_object_format.rs XORB_OBJECT_FORMAT_IDENT: the footer some writers append after the chunks.
FOOTER_IDENT = b"XETBLOB"

# A chunk header as two u32: version | compressed length << 8, scheme | raw length << 8.
_HEADER = struct.Struct("<II")
_INDEX_RECORD = struct.Struct("<32sIII")


class XorbError(ValueError):
    """A xorb (or a run of its chunks) that is malformed or does not hash to what it claims."""


@dataclass(frozen=True)
class ChunkRecord:
    hash: bytes
    raw_len: int
    # Byte offset of the chunk's header in the serialized xorb; `length` = 8 + compressed length.
    offset: int
    length: int


@dataclass
class ParsedXorb:
    hash: bytes
    chunks: list[ChunkRecord]
    raw_total: int
    # Where the chunks end: the whole body, less a footer if one was there.
    serialized_len: int


def _iter_chunks(data: memoryview) -> Iterator[tuple[int, int, int, memoryview]]:
    """(offset, scheme, raw_len, payload) of each chunk, its header checked; stops at a footer."""
    pos, end, index = 0, len(data), 0
    while pos < end:
        if data[pos] == FOOTER_IDENT[0] and data[pos : pos + len(FOOTER_IDENT)] == FOOTER_IDENT:
            return
        if end - pos < HEADER_LEN:
            raise XorbError(f"chunk {index} at byte {pos}: truncated header ({end - pos} bytes)")
        low, high = _HEADER.unpack_from(data, pos)
        version, stored, scheme, raw_len = low & 0xFF, low >> 8, high & 0xFF, high >> 8
        where = f"chunk {index} at byte {pos}"
        if version != CHUNK_VERSION:
            raise XorbError(f"{where}: unsupported chunk version {version}")
        if scheme not in (SCHEME_NONE, SCHEME_LZ4, SCHEME_BG4_LZ4):
            raise XorbError(f"{where}: unknown compression scheme {scheme}")
        if raw_len == 0 or raw_len > MAX_CHUNK_RAW:
            raise XorbError(f"{where}: raw length {raw_len} outside 1..{MAX_CHUNK_RAW}")
        if stored > MAX_CHUNK_STORED:
            raise XorbError(f"{where}: compressed length {stored} above {MAX_CHUNK_STORED}")
        if pos + HEADER_LEN + stored > end:
            raise XorbError(
                f"{where}: truncated payload ({end - pos - HEADER_LEN} of {stored} bytes)"
            )
        yield pos, scheme, raw_len, data[pos + HEADER_LEN : pos + HEADER_LEN + stored]
        pos += HEADER_LEN + stored
        index += 1


def _decompress(scheme: int, payload: memoryview, raw_len: int, where: str) -> bytes | memoryview:
    if scheme == SCHEME_NONE:
        out = payload
    else:
        out = _lz4_frame(payload, raw_len, where)
        if scheme == SCHEME_BG4_LZ4 and len(out) == raw_len:
            out = bg4_ungroup(out)
    if len(out) != raw_len:
        raise XorbError(f"{where}: decompressed to {len(out)} bytes, header says {raw_len}")
    return out


def _lz4_frame(payload: memoryview, raw_len: int, where: str) -> bytes:
    decompressor = lz4.frame.LZ4FrameDecompressor()
    try:
        # One byte more than expected is enough to detect a chunk that inflates past its header.
        out = decompressor.decompress(payload, max_length=raw_len + 1)
    except RuntimeError as exc:
        raise XorbError(f"{where}: bad LZ4 frame ({exc})") from None
    if len(out) <= raw_len and (not decompressor.eof or decompressor.unused_data):
        raise XorbError(f"{where}: LZ4 payload is not exactly one complete frame")
    return out


def bg4_split(data: bytes) -> bytes:
    """Byte grouping 4 (byte_grouping/bg4.rs): bytes 0, 4, 8…, then 1, 5, 9…, then 2…, then 3…"""
    return data[0::4] + data[1::4] + data[2::4] + data[3::4]


def bg4_ungroup(grouped: bytes) -> bytearray:
    n = len(grouped)
    out = bytearray(n)
    start = 0
    for k in range(4):
        size = n // 4 + (1 if n % 4 > k else 0)
        out[k::4] = grouped[start : start + size]
        start += size
    return out


def parse_xorb(
    data: bytes | memoryview,
    expected_hash: bytes | None = None,
    max_size: int = MAX_SERIALIZED_XORB,
) -> ParsedXorb:
    """Check every chunk of an uploaded xorb and its hash; the index of its chunks."""
    data = memoryview(data)
    if len(data) > max_size:
        raise XorbError(f"xorb is {len(data)} bytes, the limit is {max_size}")
    chunks: list[ChunkRecord] = []
    end = 0
    for offset, scheme, raw_len, payload in _iter_chunks(data):
        if len(chunks) == MAX_XORB_CHUNKS:
            raise XorbError(f"xorb has more than {MAX_XORB_CHUNKS} chunks")
        raw = _decompress(scheme, payload, raw_len, f"chunk {len(chunks)} at byte {offset}")
        end = offset + HEADER_LEN + len(payload)
        chunks.append(ChunkRecord(chunk_hash(raw), raw_len, offset, end - offset))
    if not chunks:
        raise XorbError("xorb has no chunks")
    raw_total = sum(c.raw_len for c in chunks)
    if raw_total > MAX_XORB_BYTES:
        raise XorbError(f"xorb holds {raw_total} bytes, the limit is {MAX_XORB_BYTES}")
    digest = xorb_hash([(c.hash, c.raw_len) for c in chunks])
    if expected_hash is not None and digest != expected_hash:
        raise XorbError(
            f"xorb hash mismatch: expected {hash_to_str(expected_hash)}, "
            f"the chunks hash to {hash_to_str(digest)}"
        )
    return ParsedXorb(digest, chunks, raw_total, end)


def decode_chunks(data: bytes | memoryview) -> Iterator[bytes]:
    """The plain bytes of each chunk in a run of whole serialized chunks (a stored byte range)."""
    for offset, scheme, raw_len, payload in _iter_chunks(memoryview(data)):
        yield bytes(_decompress(scheme, payload, raw_len, f"chunk at byte {offset}"))


def pack_index(chunks: list[ChunkRecord]) -> bytes:
    """Fixed 44-byte records: chunk hash, raw length, offset, length (u32 LE)."""
    return b"".join(_INDEX_RECORD.pack(c.hash, c.raw_len, c.offset, c.length) for c in chunks)


def unpack_index(blob: bytes) -> list[ChunkRecord]:
    if len(blob) % _INDEX_RECORD.size:
        raise ValueError(
            f"a chunk index is a multiple of {_INDEX_RECORD.size} bytes, got {len(blob)}"
        )
    return [ChunkRecord(*fields) for fields in _INDEX_RECORD.iter_unpack(blob)]


def encode_xorb(chunks: Sequence[bytes], scheme: int = SCHEME_NONE) -> bytes:
    """Serialize chunks with the given scheme for every chunk (the real client falls back to 0
    where compression does not help; this does not, so tests can pick the scheme)."""
    out = bytearray()
    for data in chunks:
        if scheme == SCHEME_NONE:
            payload = bytes(data)
        elif scheme == SCHEME_LZ4:
            payload = lz4.frame.compress(data)
        elif scheme == SCHEME_BG4_LZ4:
            payload = lz4.frame.compress(bg4_split(bytes(data)))
        else:
            raise ValueError(f"unknown compression scheme {scheme}")
        out += bytes((CHUNK_VERSION,)) + len(payload).to_bytes(3, "little")
        out += bytes((scheme,)) + len(data).to_bytes(3, "little") + payload
    return bytes(out)
