import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from registry.errors import BadRequest

_OID_RE = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1024 * 1024


class BlobMismatch(BadRequest):
    code = "BlobMismatch"


class PartSizeMismatch(BadRequest):
    code = "PartSizeMismatch"


def check_digest(oid: str, actual: str, written: int, size: int | None) -> None:
    """Raises BlobMismatch unless `written` bytes hashing to `actual` are object `oid`."""
    if size is not None and written != size:
        raise BlobMismatch(f"Object {oid} should be {size} bytes; received {written}")
    if actual != oid:
        raise BlobMismatch(f"Object content hashes to {actual}, not {oid}")


def validate_oid(oid: str) -> str:
    if not isinstance(oid, str) or not _OID_RE.fullmatch(oid):
        raise BadRequest(
            f"Invalid LFS object id '{str(oid)[:80]}': expected 64 lowercase hex digits"
        )
    return oid


class LocalBlobStore:
    """Blobs as files `ab/cd/<sha256>` under one directory; writes are verified, then renamed."""

    # Transfers go through the hub's own signed routes (sendfile on the way out).
    direct = False

    def __init__(self, root: Path):
        self.root = Path(root)
        self.tmp = self.root / "tmp"

    def path(self, oid: str) -> Path:
        validate_oid(oid)
        return self.root / oid[:2] / oid[2:4] / oid

    def exists(self, oid: str) -> bool:
        return self.path(oid).is_file()

    def size(self, oid: str) -> int | None:
        try:
            return self.path(oid).stat().st_size
        except FileNotFoundError:
            return None

    def open(self, oid: str) -> BinaryIO:
        return self.path(oid).open("rb")

    def oids(self) -> Iterator[tuple[str, int]]:
        """Every stored object as (oid, size)."""
        for path in self.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*"):
            if _OID_RE.fullmatch(path.name):
                yield path.name, path.stat().st_size

    def put(self, oid: str, chunks: Iterable[bytes], *, size: int | None = None) -> int:
        """Streams `chunks` to the store; keeps them only if their sha256 (and size) match."""
        validate_oid(oid)
        self.tmp.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        written = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp)
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    digest.update(chunk)
                    handle.write(chunk)
                    written += len(chunk)
            check_digest(oid, digest.hexdigest(), written, size)
            final = self.path(oid)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, final)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return written

    # -- multipart uploads: parts are staged, then joined and verified as one object ----

    def _parts_dir(self, upload_id: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{32}", upload_id):
            raise BadRequest("Invalid upload id")
        return self.tmp / "multipart" / upload_id

    def put_part(self, upload_id: str, number: int, chunks: Iterable[bytes], *, size: int) -> str:
        """Stages part `number` of exactly `size` bytes; returns its ETag (the part's md5, as
        S3 does). Stops reading at the first byte past `size`: a part never fills the disk."""
        folder = self._parts_dir(upload_id)
        folder.mkdir(parents=True, exist_ok=True)
        digest = hashlib.md5(usedforsecurity=False)
        written = 0
        fd, tmp_name = tempfile.mkstemp(dir=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    written += len(chunk)
                    if written > size:
                        raise PartSizeMismatch(f"Part {number} must be {size} bytes; got more")
                    digest.update(chunk)
                    handle.write(chunk)
            if written != size:
                raise PartSizeMismatch(f"Part {number} must be {size} bytes; got {written}")
            os.replace(tmp_name, folder / f"{number}.part")
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        etag = digest.hexdigest()
        (folder / f"{number}.etag").write_text(etag)
        return etag

    def complete_multipart(
        self, upload_id: str, oid: str, size: int, parts: list[tuple[int, str]]
    ) -> int:
        """Joins the staged parts in order into object `oid`, verified like `put`."""
        folder = self._parts_dir(upload_id)
        for number, etag in parts:
            stored = folder / f"{number}.etag"
            if not stored.exists() or stored.read_text() != etag.strip('"'):
                raise BlobMismatch(f"Part {number} was not uploaded or its ETag does not match")

        def joined() -> Iterable[bytes]:
            for number, _ in parts:
                with (folder / f"{number}.part").open("rb") as handle:
                    while chunk := handle.read(_CHUNK):
                        yield chunk

        written = self.put(oid, joined(), size=size)
        shutil.rmtree(folder, ignore_errors=True)
        return written

    def staging_clean(self, *, before: float) -> list[str]:
        """Removes multipart uploads and single-PUT temporary files last written before
        `before` (a Unix time); returns what it removed."""
        removed = []
        if not self.tmp.is_dir():
            return removed
        folders = self.tmp / "multipart"
        for entry in [*self.tmp.iterdir(), *(folders.iterdir() if folders.is_dir() else ())]:
            if entry == folders or _last_written(entry) >= before:
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(str(entry))
        return removed

    def delete(self, oid: str) -> None:
        self.path(oid).unlink(missing_ok=True)

    def check(self) -> None:
        """Raises OSError unless a blob can be written, read back and removed."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.tmp) as probe:
            probe.write(b"ok")
            probe.flush()
            if Path(probe.name).read_bytes() != b"ok":
                raise OSError("storage returned other bytes than were written")


def _last_written(entry: Path) -> float:
    """The newest modification time of a file, or of a folder and the files in it."""
    try:
        times = [entry.stat().st_mtime]
        if entry.is_dir():
            times += [child.stat().st_mtime for child in entry.iterdir()]
    except FileNotFoundError:  # removed meanwhile (a part renamed, an upload completed)
        return float("inf")
    return max(times)
