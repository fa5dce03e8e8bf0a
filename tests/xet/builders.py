"""Make Xet chunks, xorbs, files and shards for tests, without the real client.

Chunk boundaries are ours (the client cuts with a gear hash we do not implement); every hash and
byte layout is the real one, so the store cannot tell these from a client's uploads.
"""

import hashlib
import random
from dataclasses import dataclass

from xetstore.hashing import chunk_hash, file_hash, str_to_hash, verification_hash, xorb_hash
from xetstore.shard import FileEntry, FileTerm, UploadShard, XorbEntry, encode_upload_shard
from xetstore.xorb import encode_xorb


def make_chunks(count: int, size: int = 8192, seed: int = 0) -> list[bytes]:
    """`count` random chunks of `size` bytes, the same for the same seed."""
    rng = random.Random(seed)
    return [rng.randbytes(size) for _ in range(count)]


@dataclass
class BuiltXorb:
    chunks: list[bytes]
    data: bytes  # serialized, as uploaded
    hash: bytes

    @property
    def entry(self) -> XorbEntry:
        """The xorb's record in a shard's xorb section."""
        return XorbEntry(self.hash, [(chunk_hash(c), len(c)) for c in self.chunks])


def make_xorb(chunks: list[bytes], scheme: int = 0) -> BuiltXorb:
    data = encode_xorb(chunks, scheme)
    return BuiltXorb(chunks, data, xorb_hash([(chunk_hash(c), len(c)) for c in chunks]))


@dataclass
class BuiltFile:
    content: bytes
    entry: FileEntry

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def make_file(pieces: list[tuple[BuiltXorb, int, int]], *, sha256: bool = True) -> BuiltFile:
    """A file made of xorb chunk ranges `(xorb, start, end)`, with its terms, verification
    hashes, file hash and (unless told not to) the sha256 metadata, as hf_xet 1.8.0 sends it."""
    terms, verification, chunks = [], [], []
    for xorb, start, end in pieces:
        part = xorb.chunks[start:end]
        hashes = [chunk_hash(c) for c in part]
        terms.append(FileTerm(xorb.hash, start, end, sum(len(c) for c in part)))
        verification.append(verification_hash(hashes))
        chunks += part
    content = b"".join(chunks)
    entry = FileEntry(
        file_hash([(chunk_hash(c), len(c)) for c in chunks]),
        terms,
        verification,
        str_to_hash(hashlib.sha256(content).hexdigest()) if sha256 else None,
    )
    return BuiltFile(content, entry)


def make_shard(files: list[BuiltFile], xorbs: list[BuiltXorb]) -> bytes:
    """An upload shard listing `files` and the new `xorbs`."""
    return encode_upload_shard(UploadShard([f.entry for f in files], [x.entry for x in xorbs]))
