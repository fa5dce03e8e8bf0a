"""Shards as hf_xet uploads them: a header, the file-info section and the xorb-info section, each
section closed by a bookend, and no footer or lookup tables.

Layout from hf_xet 1.8.0 xet_core_structures/src/metadata_shard/{shard_format,file_structs,
xorb_structs}.rs and hub-docs docs/xet/shard.md. Every record is 48 bytes, integers little-endian.
"""

import struct
from dataclasses import dataclass

# shard_format.rs MDB_SHARD_HEADER_TAG: "HFRepoMetaData", a zero byte and 17 magic bytes.
HEADER_TAG = b"HFRepoMetaData\x00" + bytes(
    (85, 105, 103, 69, 106, 123, 129, 87, 131, 165, 189, 217, 92, 205, 209, 74, 169)
)
# shard_format.rs MDB_SHARD_HEADER_VERSION; uploads carry footer_size 0
# (shard_file_handle.rs `read_shard_to_bytes_remove_footer`).
HEADER_VERSION = 2
# file_structs.rs MDB_FILE_FLAG_WITH_VERIFICATION / MDB_FILE_FLAG_WITH_METADATA_EXT.
FLAG_VERIFICATION = 1 << 31
FLAG_METADATA_EXT = 1 << 30
# A record whose hash is all one bits closes a section (FileDataSequenceHeader::bookend).
BOOKEND_HASH = b"\xff" * 32
MAX_SHARD_BYTES = 64 * 1024 * 1024

_HEADER = struct.Struct("<32sQQ")
# FileDataSequenceHeader / XorbChunkSequenceHeader / XorbChunkSequenceEntry:
# a hash and four u32 (the file header's last two u32 are one unused u64).
_RECORD = struct.Struct("<32sIIII")
# FileVerificationEntry / FileMetadataExt: a hash and 16 unused bytes.
_HASH_RECORD = struct.Struct("<32s16x")
RECORD_LEN = _RECORD.size


class ShardError(ValueError):
    """A shard with a broken structure: wrong tag or version, a record out of bounds, no bookend."""


@dataclass
class FileTerm:
    xorb_hash: bytes
    start: int
    end: int  # exclusive chunk index
    unpacked: int


@dataclass
class FileEntry:
    file_hash: bytes
    terms: list[FileTerm]
    verification: list[bytes] | None
    # Raw 32 bytes as the client stores them: hash_to_str gives the usual sha256 hex.
    sha256: bytes | None


@dataclass
class XorbEntry:
    xorb_hash: bytes
    chunks: list[tuple[bytes, int]]  # (chunk hash, raw length)


@dataclass
class UploadShard:
    files: list[FileEntry]
    xorbs: list[XorbEntry]


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def records(self, count: int, layout: struct.Struct, what: str) -> list[tuple]:
        size = count * layout.size
        if self.pos + size > len(self.data):
            raise ShardError(
                f"{what} at byte {self.pos}: {count} records of {layout.size} bytes "
                f"run past the end of the shard ({len(self.data)} bytes)"
            )
        block = self.data[self.pos : self.pos + size]
        self.pos += size
        return list(layout.iter_unpack(block))


def parse_upload_shard(data: bytes, max_size: int = MAX_SHARD_BYTES) -> UploadShard:
    """The files and xorbs of an uploaded shard, with its structure checked (not its hashes)."""
    if len(data) > max_size:
        raise ShardError(f"shard is {len(data)} bytes, the limit is {max_size}")
    reader = _Reader(bytes(data))
    ((tag, version, footer_size),) = reader.records(1, _HEADER, "shard header")
    if tag != HEADER_TAG:
        raise ShardError("not a shard: wrong header tag")
    if version != HEADER_VERSION:
        raise ShardError(f"unsupported shard version {version}, expected {HEADER_VERSION}")
    if footer_size != 0:
        raise ShardError(f"an uploaded shard has no footer, header says {footer_size} bytes")
    files = _parse_files(reader)
    xorbs = _parse_xorbs(reader)
    if reader.pos != len(data):
        raise ShardError(f"{len(data) - reader.pos} trailing bytes after the xorb section")
    return UploadShard(files, xorbs)


def _parse_files(reader: _Reader) -> list[FileEntry]:
    files = []
    while True:
        if reader.pos + RECORD_LEN > len(reader.data):
            raise ShardError("file section has no bookend")
        ((file_hash, flags, count, _, _),) = reader.records(1, _RECORD, "file header")
        if file_hash == BOOKEND_HASH:
            return files
        if flags & ~(FLAG_VERIFICATION | FLAG_METADATA_EXT):
            raise ShardError(f"file {len(files)}: unknown file flags {flags:#010x}")
        where = f"file {len(files)}"
        terms = [
            FileTerm(xorb_hash, start, end, unpacked)
            for xorb_hash, _, unpacked, start, end in reader.records(count, _RECORD, where)
        ]
        verification = None
        if flags & FLAG_VERIFICATION:
            verification = [h for (h,) in reader.records(count, _HASH_RECORD, where)]
        sha256 = None
        if flags & FLAG_METADATA_EXT:
            ((sha256,),) = reader.records(1, _HASH_RECORD, where)
        files.append(FileEntry(file_hash, terms, verification, sha256))


def _parse_xorbs(reader: _Reader) -> list[XorbEntry]:
    xorbs = []
    while True:
        if reader.pos + RECORD_LEN > len(reader.data):
            raise ShardError("xorb section has no bookend")
        ((xorb_hash, _, count, _, _),) = reader.records(1, _RECORD, "xorb header")
        if xorb_hash == BOOKEND_HASH:
            return xorbs
        # chunk_byte_range_start and num_bytes_on_disk are not trusted (reference §5.5).
        entries = reader.records(count, _RECORD, f"xorb {len(xorbs)}")
        xorbs.append(XorbEntry(xorb_hash, [(h, raw_len) for h, _, raw_len, _, _ in entries]))


def encode_upload_shard(shard: UploadShard) -> bytes:
    """Serialize a shard in upload form, as hf_xet writes it."""
    out = bytearray(_HEADER.pack(HEADER_TAG, HEADER_VERSION, 0))
    for file in shard.files:
        flags = (FLAG_VERIFICATION if file.verification is not None else 0) | (
            FLAG_METADATA_EXT if file.sha256 is not None else 0
        )
        out += _RECORD.pack(file.file_hash, flags, len(file.terms), 0, 0)
        for term in file.terms:
            out += _RECORD.pack(term.xorb_hash, 0, term.unpacked, term.start, term.end)
        for range_hash in file.verification or ():
            out += _HASH_RECORD.pack(range_hash)
        if file.sha256 is not None:
            out += _HASH_RECORD.pack(file.sha256)
    out += _RECORD.pack(BOOKEND_HASH, 0, 0, 0, 0)
    for xorb in shard.xorbs:
        raw_total = sum(n for _, n in xorb.chunks)
        out += _RECORD.pack(xorb.xorb_hash, 0, len(xorb.chunks), raw_total, 0)
        offset = 0
        for chunk, raw_len in xorb.chunks:
            out += _RECORD.pack(chunk, offset, raw_len, 0, 0)
            offset += raw_len
    out += _RECORD.pack(BOOKEND_HASH, 0, 0, 0, 0)
    return bytes(out)
