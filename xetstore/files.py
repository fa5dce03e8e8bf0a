"""Reads of the files the store registered: which file holds an object's bytes, and those
bytes. Storage-level: models and the xorb store only, so the hub's core may read through it."""

from collections.abc import Iterator
from dataclasses import dataclass

from xetstore.models import XetFile, Xorb
from xetstore.storage import xorb_store
from xetstore.xorb import ChunkRecord, decode_chunks, unpack_index

# Serialized bytes read from a xorb at a time when a file's plain bytes are streamed.
_READ_SPAN = 8 * 1024 * 1024


@dataclass(frozen=True)
class Term:
    xorb: str
    start: int  # chunk indexes in the xorb, end exclusive
    end: int
    size: int  # plain bytes


def chunk_indexes(hashes: set[str]) -> dict[str, list[ChunkRecord]]:
    rows = Xorb.objects.filter(hash__in=hashes).values_list("hash", "index")
    return {hash: unpack_index(bytes(index)) for hash, index in rows}


def file_for_sha256(sha256: str, size: int) -> XetFile | None:
    """A registered file with these bytes (the store computed its sha256 itself)."""
    return XetFile.objects.filter(sha256=sha256, size=size).order_by("created_at").first()


def file_terms(file: XetFile) -> list[Term]:
    rows = file.terms.order_by("position").values_list("xorb_id", "start", "end", "size")
    return [Term(*row) for row in rows]


def overlapping(terms: list[Term], start: int, end: int) -> Iterator[tuple[Term, int]]:
    """The terms holding bytes of `[start, end)`, each with its offset in the file."""
    offset = 0
    for term in terms:
        if offset >= end:
            return
        if offset + term.size > start:
            yield term, offset
        offset += term.size


def trim(chunks: list[ChunkRecord], offset: int, start: int, end: int) -> tuple[int, int, int]:
    """The chunks `[first, last)` of a term at file `offset` that hold bytes of
    `[start, end)`, and the file offset of the first."""
    first = 0
    while offset + chunks[first].raw_len <= start:
        offset += chunks[first].raw_len
        first += 1
    last, reach = first, offset
    while last < len(chunks) and reach < end:
        reach += chunks[last].raw_len
        last += 1
    return first, last, offset


def read_range(file: XetFile, start: int, end: int) -> Iterator[bytes]:
    """The file's plain bytes `[start, end)`, streamed a few MiB at a time."""
    terms = file_terms(file)
    indexes = chunk_indexes({term.xorb for term, _ in overlapping(terms, start, end)})
    return plain_bytes(terms, indexes, start, end)


def plain_bytes(
    terms: list[Term], indexes: dict[str, list[ChunkRecord]], start: int, end: int
) -> Iterator[bytes]:
    store = xorb_store()
    for term, offset in overlapping(terms, start, end):
        chunks = indexes[term.xorb][term.start : term.end]
        first, last, offset = trim(chunks, offset, start, end)
        for span in _spans(chunks[first:last]):
            data = store.read(term.xorb, span[0].offset, span[-1].offset + span[-1].length)
            for raw in decode_chunks(data):
                lo, hi = max(start - offset, 0), min(end - offset, len(raw))
                yield raw if (lo, hi) == (0, len(raw)) else raw[lo:hi]
                offset += len(raw)


def _spans(chunks: list[ChunkRecord]) -> Iterator[list[ChunkRecord]]:
    """Consecutive chunks in groups of at most about _READ_SPAN serialized bytes."""
    group: list[ChunkRecord] = []
    for chunk in chunks:
        if group and chunk.offset + chunk.length - group[0].offset > _READ_SPAN:
            yield group
            group = []
        group.append(chunk)
    if group:
        yield group
