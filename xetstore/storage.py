"""Where xorbs live: beside the LFS objects, on the same disk or in the same bucket.

A xorb is stored exactly as uploaded (its serialized chunks), keyed by its hash string:
`HUB_DATA_DIR/xet/xorbs/default/ab/<hash>` on disk, `xorbs/default/<hash>` in a bucket.
Uploads are staged in a local file first, so a 64 MiB body is verified from the page cache
(mmap), not from Python memory, and only a verified xorb reaches its key.
"""

import os
import re
import tempfile
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from django.conf import settings

from registry import errors
from registry.blobs import S3BlobStore, blob_store

_HASH_RE = re.compile(r"^[0-9a-f]{64}$")


def _checked(hash: str) -> str:
    # Hashes reach here in canonical form; this guards the paths and keys built from them.
    if not _HASH_RE.fullmatch(hash):
        raise ValueError(f"not a canonical Xet hash: {hash[:80]!r}")
    return hash


def stage(tmp: Path, pieces: Iterable[bytes], *, limit: int) -> Path:
    """Writes `pieces` to a new file under `tmp`; PayloadTooLarge past `limit` bytes."""
    tmp.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=tmp)
    written = 0
    try:
        with os.fdopen(fd, "wb") as handle:
            for piece in pieces:
                written += len(piece)
                if written > limit:
                    raise errors.PayloadTooLarge(f"A xorb is at most {limit} bytes")
                handle.write(piece)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


class _Window:
    """A file positioned at a range's start that reads no further than its end.

    gunicorn sends it with os.sendfile from the descriptor's offset for Content-Length
    bytes; other servers read it piece by piece.
    """

    def __init__(self, path: Path, start: int, length: int):
        self._handle = path.open("rb")
        self._handle.seek(start)
        self._left = length

    def fileno(self) -> int:
        return self._handle.fileno()

    def read(self, size: int = -1) -> bytes:
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._handle.read(size) if size > 0 else b""
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._handle.close()


class LocalXorbStore:
    direct = False  # ranges are served by the hub's own signed route

    def __init__(self, root: Path):
        self.root = root
        self.tmp = root / "tmp"

    def path(self, hash: str) -> Path:
        return self.root / "default" / hash[:2] / _checked(hash)

    def keep(self, staged: Path, hash: str) -> None:
        """Moves a verified staged upload to the xorb's place (same content if it was there)."""
        final = self.path(hash)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, final)

    def read(self, hash: str, start: int, end: int) -> bytes:
        with self.path(hash).open("rb") as handle:
            handle.seek(start)
            return handle.read(end - start)

    def open_range(self, hash: str, start: int, end: int) -> _Window:
        return _Window(self.path(hash), start, end - start)

    def size(self, hash: str) -> int | None:
        try:
            return self.path(hash).stat().st_size
        except FileNotFoundError:
            return None


class S3XorbStore:
    """Xorbs in the LFS bucket, with its client and presigner; clients fetch ranges from it."""

    direct = True

    def __init__(self, blobs: S3BlobStore, tmp: Path):
        self.bucket = blobs.bucket
        self.client = blobs.storage.connection.meta.client
        self.signer = blobs.signer.connection.meta.client
        self.link_seconds = blobs.link_seconds
        self.tmp = tmp

    @staticmethod
    def key(hash: str) -> str:
        return f"xorbs/default/{_checked(hash)}"

    def keep(self, staged: Path, hash: str) -> None:
        self.client.upload_file(str(staged), self.bucket, self.key(hash))
        staged.unlink(missing_ok=True)

    def read(self, hash: str, start: int, end: int) -> bytes:
        answer = self.client.get_object(
            Bucket=self.bucket, Key=self.key(hash), Range=f"bytes={start}-{end - 1}"
        )
        return answer["Body"].read()

    def download_url(self, hash: str, first_byte: int, last_byte: int) -> str:
        """A presigned GET of bytes `[first_byte, last_byte]`: the Range is a signed header,
        so the link opens no other chunks of the xorb (hf_xet sends exactly this Range)."""
        return self.signer.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self.key(hash),
                "Range": f"bytes={first_byte}-{last_byte}",
            },
            ExpiresIn=self.link_seconds,
        )


@cache
def xorb_store() -> LocalXorbStore | S3XorbStore:
    """The LFS bucket when HUB_S3_BUCKET is set, else a directory under HUB_DATA_DIR."""
    blobs = blob_store()
    if isinstance(blobs, S3BlobStore):
        return S3XorbStore(blobs, settings.HUB_XET_DIR / "tmp")
    return LocalXorbStore(settings.HUB_XET_DIR / "xorbs")
