"""Files the hub itself puts into the Xet store (a job's bucket volume written back), through
the same checked path as a client's upload: xorbs received, then a shard registered.

The hub cuts fixed-size chunks rather than hf_xet's content-defined ones: every hash and
layout is the real one, so readers cannot tell the difference; only deduplication against
other uploads of shifted content is lost.
"""

import hashlib
from collections.abc import Iterator
from typing import BinaryIO

from xetstore import hashing
from xetstore.services import shard_register, xorb_receive
from xetstore.shard import FileEntry, FileTerm, UploadShard, XorbEntry, encode_upload_shard
from xetstore.tokens import CasClaims
from xetstore.xorb import MAX_XORB_BYTES, MAX_XORB_CHUNKS, encode_xorb

CHUNK_BYTES = 64 * 1024  # hf_xet's target chunk size


def xet_file_ingest(*, source: BinaryIO, claims: CasClaims) -> str:
    """Stores the bytes of `source` (at least one) as a Xet file under `claims` (a bucket's:
    the file becomes one of its uploads, within its namespace's quota); its Xet hash."""
    digest, leaves, terms, xorbs = hashlib.sha256(), [], [], []
    for chunks in _xorb_groups(source):
        pairs = [(hashing.chunk_hash(chunk), len(chunk)) for chunk in chunks]
        xorb_hash = hashing.xorb_hash(pairs)
        xorb_receive(hash=hashing.hash_to_str(xorb_hash), pieces=iter([encode_xorb(chunks)]))
        for chunk in chunks:
            digest.update(chunk)
        xorbs.append(XorbEntry(xorb_hash, pairs))
        terms.append(FileTerm(xorb_hash, 0, len(chunks), sum(size for _, size in pairs)))
        leaves += pairs
    if not leaves:
        raise ValueError("the Xet store holds no empty files")
    file_hash = hashing.file_hash(leaves)
    proofs = [hashing.verification_hash([h for h, _ in entry.chunks]) for entry in xorbs]
    entry = FileEntry(file_hash, terms, proofs, hashing.str_to_hash(digest.hexdigest()))
    for _ in shard_register(data=encode_upload_shard(UploadShard([entry], xorbs)), claims=claims):
        pass
    return hashing.hash_to_str(file_hash)


def _xorb_groups(source: BinaryIO) -> Iterator[list[bytes]]:
    """The file's chunks, as many to a xorb as the format allows."""
    group, size = [], 0
    while chunk := source.read(CHUNK_BYTES):
        if group and (size + len(chunk) > MAX_XORB_BYTES or len(group) == MAX_XORB_CHUNKS):
            yield group
            group, size = [], 0
        group.append(chunk)
        size += len(chunk)
    if group:
        yield group
