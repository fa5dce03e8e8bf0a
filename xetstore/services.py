"""The Xet store's writes and reads: xorbs in, shards registered, files read back.

Every check on a shard runs against our own chunk indexes, never against numbers the
client sent: a registered file's hash is recomputed from the chunks it names and its
sha256 from its bytes, so "this sha256 is this file" holds for every repo that links it.
"""

import hashlib
import mmap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from registry import errors
from registry.models import LfsObject
from registry.permissions import files_readable
from registry.request import base_url
from registry.services.commits import lfs_link
from registry.services.limits import object_size_check, storage_quota_check
from xetstore import hashing
from xetstore.dedup import dedup_eligible, dedup_shard_encode
from xetstore.files import (
    Term,
    chunk_indexes,
    file_terms,
    overlapping,
    plain_bytes,
    trim,
)
from xetstore.models import (
    BucketFile,
    BucketUpload,
    DedupChunk,
    XetFile,
    XetFileTerm,
    XetUpload,
    Xorb,
)
from xetstore.shard import FileEntry, ShardError, UploadShard, XorbEntry, parse_upload_shard
from xetstore.storage import stage, xorb_store
from xetstore.tokens import CasClaims, fetch_link_sign
from xetstore.xorb import (
    MAX_SERIALIZED_XORB,
    ChunkRecord,
    ParsedXorb,
    XorbError,
    pack_index,
    parse_xorb,
    unpack_index,
)

# How often /v2/shards reports progress while files are read (hf_xet waits 300 s).
_PROGRESS_SECONDS = 2.0
# A deduplication answer describes the xorbs of at most this many files, at most this many
# xorbs (48 bytes per chunk: ~3 MiB), and hf_xet may use it for a day.
_DEDUP_MAX_FILES = 16
_DEDUP_MAX_XORBS = 64
_DEDUP_SHARD_SECONDS = 24 * 3600


def cas_url(request: HttpRequest) -> str:
    """The `casUrl` clients are given (no trailing slash): the CAS is under the hub's origin."""
    return f"{base_url(request)}/xet-cas"


def hash_param(text: str) -> str:
    """A hash named in a URL, in canonical string form; 400 when it is none."""
    try:
        return hashing.hash_to_str(hashing.str_to_hash(text))
    except ValueError:
        raise errors.BadRequest(f"'{text[:80]}' is not a Xet hash (64 hex digits)") from None


# -- xorbs ------------------------------------------------------------------------------


def xorb_exists(*, hash: str) -> bool:
    return Xorb.objects.filter(hash=hash).exists()


def xorb_receive(*, hash: str, pieces: Iterator[bytes]) -> bool:
    """Stores an uploaded xorb once its chunks and its hash verified; False when it was
    stored already (a repeated upload changes nothing)."""
    if xorb_exists(hash=hash):
        return False
    store = xorb_store()
    staged = stage(store.tmp, pieces, limit=MAX_SERIALIZED_XORB)
    try:
        parsed = _parse_staged(staged, hash)
        store.keep(staged, hash)
    finally:
        staged.unlink(missing_ok=True)
    try:
        with transaction.atomic():
            Xorb.objects.create(
                hash=hash,
                serialized_len=parsed.serialized_len,
                raw_len=parsed.raw_total,
                chunk_count=len(parsed.chunks),
                index=pack_index(parsed.chunks),
            )
            DedupChunk.objects.bulk_create(
                [
                    DedupChunk(chunk_hash=hashing.hash_to_str(chunk.hash), xorb_id=hash)
                    for chunk in parsed.chunks
                    if dedup_eligible(chunk.hash)
                ],
                ignore_conflicts=True,  # a chunk repeated in the xorb
            )
    except IntegrityError:  # the same xorb, from a concurrent upload
        return False
    return True


def _parse_staged(staged: Path, hash: str) -> ParsedXorb:
    if staged.stat().st_size == 0:
        raise errors.BadRequest(f"Invalid xorb {hash}: the body is empty")
    with staged.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as m:
        try:
            return parse_xorb(m, expected_hash=hashing.str_to_hash(hash))
        except XorbError as exc:
            # Raised once the mapping is closed: the error's traceback still views it.
            problem = str(exc)
    raise errors.BadRequest(f"Invalid xorb {hash}: {problem}")


# -- shards -----------------------------------------------------------------------------


@dataclass
class _File:
    file_hash: str
    terms: list[Term]
    size: int
    claimed_sha256: str | None
    first_chunk: str  # hf_xet asks the store about the first chunk of every file
    sha256: str | None = None


def shard_register(*, data: bytes, claims: CasClaims) -> Iterator[tuple[int, int]]:
    """Checks an uploaded shard, reads each new file once for its sha256, then registers
    the files and links them to the token's repo as LFS objects (or, for a pull-request
    token, records them as its user's uploads), all or nothing.

    A generator of `(bytes verified, bytes to verify)`: the first pair comes once every
    cheap check passed; the files are registered when it is exhausted. A refusal is a
    HubError, and nothing is registered then.
    """
    try:
        shard = parse_upload_shard(data)
    except ShardError as exc:
        raise errors.BadRequest(f"Invalid shard: {exc}") from None
    indexes = _shardchunk_indexes(shard)
    for entry in shard.xorbs:
        _check_listed_xorb(entry, indexes)
    files = _checked_files(shard, indexes)
    total = sum(item.size for item in files if item.sha256 is None)
    yield 0, total
    verified = 0
    for item in files:
        if item.sha256 is None:
            yield from _read_sha256(item, indexes, verified, total)
            verified += item.size
        if item.claimed_sha256 and item.claimed_sha256 != item.sha256:
            raise errors.BadRequest(
                f"File {item.file_hash}: the shard gives sha256 {item.claimed_sha256}, "
                f"but its bytes hash to {item.sha256}"
            )
    namespace = claims.namespace
    storage_quota_check(namespace=namespace, objects=[(f.sha256, f.size) for f in files])
    _register(files, claims)
    yield total, total


def _checked_files(shard: UploadShard, indexes: dict[str, list[ChunkRecord]]) -> list[_File]:
    """The shard's files, each once, checked; with their sha256 when registered before."""
    files = {}
    for entry in shard.files:
        item = _checked_file(entry, indexes)
        object_size_check(oid=item.claimed_sha256 or item.file_hash, size=item.size)
        files[item.file_hash] = item
    known = XetFile.objects.filter(file_hash__in=files).values_list("file_hash", "sha256")
    for file_hash, sha256 in known:
        files[file_hash].sha256 = sha256
    return list(files.values())


def _shardchunk_indexes(shard: UploadShard) -> dict[str, list[ChunkRecord]]:
    """The chunk index of every xorb the shard names; 400 naming a xorb never uploaded."""
    listed = {hashing.hash_to_str(entry.xorb_hash) for entry in shard.xorbs}
    used = {hashing.hash_to_str(t.xorb_hash) for entry in shard.files for t in entry.terms}
    indexes = chunk_indexes(listed | used)
    missing = sorted((listed | used) - set(indexes))
    if missing:
        raise errors.BadRequest(f"Invalid shard: xorb {missing[0]} was never uploaded here")
    return indexes


def _check_listed_xorb(entry: XorbEntry, indexes: dict[str, list[ChunkRecord]]) -> None:
    hash = hashing.hash_to_str(entry.xorb_hash)
    stored = [(chunk.hash, chunk.raw_len) for chunk in indexes[hash]]
    if [(h, n) for h, n in entry.chunks] != stored:
        raise errors.BadRequest(
            f"Invalid shard: its chunk list for xorb {hash} differs from the uploaded xorb"
        )


def _checked_file(entry: FileEntry, indexes: dict[str, list[ChunkRecord]]) -> _File:
    """A file entry whose terms fit their xorbs, verify, and hash to its file hash."""
    file_hash = hashing.hash_to_str(entry.file_hash)
    where = f"Invalid shard: file {file_hash}"
    if not entry.terms:
        raise errors.BadRequest(f"{where} has no terms")
    if entry.verification is None or len(entry.verification) != len(entry.terms):
        raise errors.BadRequest(f"{where} lacks a verification hash for each term")
    terms, leaves = [], []
    for number, (term, proof) in enumerate(zip(entry.terms, entry.verification, strict=True)):
        xorb = hashing.hash_to_str(term.xorb_hash)
        index = indexes[xorb]
        if not 0 <= term.start < term.end <= len(index):
            raise errors.BadRequest(
                f"{where}, term {number}: chunks [{term.start}, {term.end}) are outside "
                f"xorb {xorb}, which has {len(index)}"
            )
        chunks = index[term.start : term.end]
        size = sum(chunk.raw_len for chunk in chunks)
        if term.unpacked != size:
            raise errors.BadRequest(
                f"{where}, term {number}: says {term.unpacked} bytes, the chunks hold {size}"
            )
        if hashing.verification_hash([chunk.hash for chunk in chunks]) != proof:
            raise errors.BadRequest(f"{where}, term {number}: the verification hash is wrong")
        terms.append(Term(xorb, term.start, term.end, size))
        leaves += [(chunk.hash, chunk.raw_len) for chunk in chunks]
    if hashing.file_hash(leaves) != entry.file_hash:
        raise errors.BadRequest(f"{where}: its chunks hash to another file hash")
    claimed = hashing.hash_to_str(entry.sha256) if entry.sha256 is not None else None
    first_chunk = hashing.hash_to_str(leaves[0][0])
    return _File(file_hash, terms, sum(t.size for t in terms), claimed, first_chunk)


def _read_sha256(
    item: _File, indexes: dict[str, list[ChunkRecord]], before: int, total: int
) -> Iterator[tuple[int, int]]:
    """Hashes the file's bytes into `item.sha256`, reporting progress now and then."""
    digest, done, reported = hashlib.sha256(), 0, time.monotonic()
    for piece in plain_bytes(item.terms, indexes, 0, item.size):
        digest.update(piece)
        done += len(piece)
        if time.monotonic() - reported > _PROGRESS_SECONDS:
            reported = time.monotonic()
            yield before + done, total
    item.sha256 = digest.hexdigest()


def _register(files: list[_File], claims: CasClaims) -> None:
    with transaction.atomic():
        for item in files:
            if not XetFile.objects.filter(file_hash=item.file_hash).exists():
                _file_create(item)
            if claims.bucket is not None:
                BucketUpload.objects.get_or_create(bucket=claims.bucket, file_id=item.file_hash)
            elif claims.pull_request:
                _upload_record(item, claims)
            else:
                lfs_link(repo=claims.repo, oid=item.sha256, size=item.size)


def _upload_record(item: _File, claims: CasClaims) -> None:
    """Keeps a pull-request upload for its user's own commits instead of linking it.

    A link lets every ref of the repo serve the object, LFS and Xet readers of the repo fetch
    it without any commit naming it, and anyone who reads the repo reuse it in their own;
    someone who may only propose changes must not grant all that on another's repo. The
    commit service links the file when this user commits it (to a pull request, which is all
    they may commit to), so the repo then references what it links.
    """
    XetUpload.objects.get_or_create(user=claims.user, repo=claims.repo, file_id=item.file_hash)


def _file_create(item: _File) -> None:
    try:
        with transaction.atomic():
            file = XetFile.objects.create(
                file_hash=item.file_hash, sha256=item.sha256, size=item.size
            )
            XetFileTerm.objects.bulk_create(
                XetFileTerm(
                    file=file, position=n, xorb_id=t.xorb, start=t.start, end=t.end, size=t.size
                )
                for n, t in enumerate(item.terms)
            )
            DedupChunk.objects.bulk_create(
                [DedupChunk(chunk_hash=item.first_chunk, xorb_id=item.terms[0].xorb)],
                ignore_conflicts=True,
            )
    except IntegrityError:  # the same file, registered by a concurrent upload
        pass


# -- global deduplication ---------------------------------------------------------------


def dedup_shard(*, chunk_hash: str, claims: CasClaims) -> bytes | None:
    """A keyed shard of xorbs for hf_xet to deduplicate against; None when there are none.

    It lists every xorb of the files holding the chunk that the token's user may read (an
    answer tells that someone stored the chunk), then of the latest files of the token's
    repo: an upload there is most likely a new revision of them, and hf_xet asks about the
    first chunk of each file, which a changed file no longer shares with its old version.
    """
    readable = LfsObject.objects.filter(repo__in=files_readable(claims.user)).values("oid")
    holders = set(
        DedupChunk.objects.filter(chunk_hash=chunk_hash).values_list("xorb_id", flat=True)
    )
    holding = XetFile.objects.filter(terms__xorb__in=holders, sha256__in=readable).distinct()
    recent = _recent_files(claims)
    files = [
        *holding.values_list("pk", flat=True)[:_DEDUP_MAX_FILES],
        *recent.values_list("pk", flat=True),
    ]
    wanted = _dedup_xorbs(list(dict.fromkeys(files))[:_DEDUP_MAX_FILES], holders)
    if not wanted:
        return None
    rows = Xorb.objects.filter(hash__in=wanted).values_list("hash", "serialized_len", "index")
    found = {h: (hashing.str_to_hash(h), n, unpack_index(bytes(index))) for h, n, index in rows}
    # The same answer within the hour is the same bytes: hf_xet files shards by their hash.
    created = int(time.time()) // 3600 * 3600
    return dedup_shard_encode(
        [found[h] for h in wanted],
        key=_dedup_key(),
        created=created,
        expiry=created + _DEDUP_SHARD_SECONDS,
    )


def _recent_files(claims: CasClaims) -> QuerySet[XetFile]:
    """The latest files of the token's repo (or bucket)."""
    if claims.bucket is not None:
        latest = BucketFile.objects.filter(bucket=claims.bucket).order_by("-uploaded_at", "-id")
        return XetFile.objects.filter(pk__in=latest.values("file_id")[:_DEDUP_MAX_FILES])
    latest = LfsObject.objects.filter(repo=claims.repo).order_by("-created_at", "-id")
    return XetFile.objects.filter(sha256__in=latest.values("oid")[:_DEDUP_MAX_FILES])


def _dedup_xorbs(files: list[str], holders: set[str]) -> list[str]:
    """The xorbs of `files`, those holding the chunk first, then in the files' order."""
    rank = {file: number for number, file in enumerate(files)}
    pairs = XetFileTerm.objects.filter(file__in=files).order_by("position")
    ordered = sorted(
        pairs.values_list("file_id", "xorb_id"),
        key=lambda pair: (pair[1] not in holders, rank[pair[0]]),
    )
    return list(dict.fromkeys(xorb for _, xorb in ordered))[:_DEDUP_MAX_XORBS]


def _dedup_key() -> bytes:
    # One key for every answer: hf_xet indexes the shards of each key apart, so a key per
    # answer would multiply its lookups. The key hides chunk hashes; it is no secret.
    return hashlib.sha256(b"minihub.xet.dedup:" + settings.SECRET_KEY.encode()).digest()


# -- reads ------------------------------------------------------------------------------


def file_readable(*, file_hash: str, claims: CasClaims) -> XetFile:
    """The file, if the token's repo links its sha256 (an upload to it, or a commit's proof),
    or the token's bucket holds it at a path."""
    file = XetFile.objects.filter(file_hash=file_hash).first()
    if file is None:
        raise errors.NotFound(f"File {file_hash} is not stored here")
    if claims.bucket is not None:
        if not BucketFile.objects.filter(bucket=claims.bucket, file=file).exists():
            raise errors.Forbidden(f"File {file_hash} is not in this token's bucket")
        return file
    if not LfsObject.objects.filter(repo=claims.repo, oid=file.sha256).exists():
        raise errors.Forbidden(f"File {file_hash} is not in this token's repository")
    return file


@dataclass(frozen=True)
class Fetch:
    """Bytes `[byte_start, byte_end]` (inclusive, as in Range) of a xorb: chunks `[start, end)`."""

    xorb: str
    start: int
    end: int
    byte_start: int
    byte_end: int
    url: str


@dataclass(frozen=True)
class Reconstruction:
    offset_into_first_range: int
    terms: list[Term]
    fetches: list[Fetch]


def reconstruction_plan(
    *, request: HttpRequest, file: XetFile, start: int, end: int
) -> Reconstruction:
    """The terms that rebuild bytes `[start, end)` of the file, and where to fetch each.

    Every term gets a fetch of exactly its chunks (hf_xet needs each term inside one
    fetched range); the same range is listed once.
    """
    terms = file_terms(file)
    kept = list(overlapping(terms, start, end))
    indexes = chunk_indexes({term.xorb for term, _ in kept})
    out_terms, fetches, skip = [], {}, None
    for term, offset in kept:
        chunks = indexes[term.xorb][term.start : term.end]
        first, last, offset = trim(chunks, offset, start, end)
        if skip is None:
            skip = start - offset
        used = chunks[first:last]
        span = (term.xorb, term.start + first, term.start + last)
        out_terms.append(Term(*span, sum(chunk.raw_len for chunk in used)))
        if span not in fetches:
            first_byte, last_byte = used[0].offset, used[-1].offset + used[-1].length - 1
            url = _fetch_url(request, term.xorb, first_byte, last_byte)
            fetches[span] = Fetch(*span, first_byte, last_byte, url)
    return Reconstruction(skip or 0, out_terms, list(fetches.values()))


def _fetch_url(request: HttpRequest, xorb: str, first_byte: int, last_byte: int) -> str:
    """A link the client fetches without credentials: presigned by the bucket, else ours."""
    store = xorb_store()
    if store.direct:
        return store.download_url(xorb, first_byte, last_byte)
    signed = fetch_link_sign(xorb=xorb, first_byte=first_byte, last_byte=last_byte)
    return f"{cas_url(request)}/v1/xorb-data/{xorb}?t={signed}"
