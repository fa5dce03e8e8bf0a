"""Where an LFS object's bytes are: a blob in the blob store, or a file in the Xet store.

A Xet file stands for object `oid` only once the store has verified that its bytes hash to
`oid` (`xetstore.files.file_for_sha256`), so an oid names the same bytes in either store
and every reader (git-lfs, plain HTTP, the web pages, the workers) gets one file.
"""

import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from registry.blobs import blob_store
from registry.blobs.local import check_digest, validate_oid
from registry.gitstore import GitRepo
from registry.models import LfsObject, Repo
from xetstore.files import file_for_sha256, read_range
from xetstore.models import XetFile

_BUFFER = 1024 * 1024


def object_stored(*, oid: str, size: int) -> bool:
    """Whether the hub holds object `oid` of `size` bytes, in either store."""
    return blob_store().size(oid) == size or file_for_sha256(oid, size) is not None


def object_xet_file(*, oid: str, size: int) -> XetFile | None:
    """The verified Xet file of object `oid`, which Xet clients may download from the store."""
    return file_for_sha256(oid, size)


def xet_hashes(*, repo: Repo, objects: list[tuple[str, int]]) -> dict[str, str]:
    """oid -> Xet file hash of those `(oid, size)` objects that `repo` references and the
    Xet store holds: one query for a whole tree listing."""
    linked = set(
        LfsObject.objects.filter(repo=repo, oid__in={oid for oid, _ in objects}).values_list(
            "oid", "size"
        )
    )
    sizes = dict(pair for pair in objects if pair in linked)
    rows = XetFile.objects.filter(sha256__in=sizes).values_list("sha256", "size", "file_hash")
    return {oid: file_hash for oid, size, file_hash in rows if sizes[oid] == size}


def object_chunks(*, file: XetFile, start: int, end: int) -> Iterator[bytes]:
    """Bytes `[start, end)` of a Xet file, streamed in constant memory."""
    return read_range(file, start, end)


def object_open(*, oid: str, size: int) -> BinaryIO:
    """A seekable reader of the object: the blob, else its Xet file read range by range.

    Raises FileNotFoundError when neither store holds it.
    """
    if blob_store().size(oid) == size:
        return blob_store().open(oid)
    file = file_for_sha256(oid, size)
    if file is None:
        raise FileNotFoundError(f"LFS object {oid} is not stored")
    return io.BufferedReader(_XetReader(file), buffer_size=_BUFFER)


def object_path(*, oid: str, size: int) -> Path:
    """A local file with the object's bytes, for workers that load models and data from disk.

    A Xet-only object is reconstructed once into a cache beside the data, checked against
    its sha256; a missing object gives a path that does not exist, as the blob store does.
    """
    source = blob_store().path(oid)
    if source.is_file() and source.stat().st_size == size:
        return source
    file = file_for_sha256(oid, size)
    if file is None:
        return source
    target = settings.HUB_DATA_DIR / "xet-cache" / oid[:2] / oid[2:4] / validate_oid(oid)
    if not (target.is_file() and target.stat().st_size == size):
        _materialize(file, target)
    return target


def _materialize(file: XetFile, target: Path) -> None:
    """Writes the Xet file to `target` if its bytes hash to its sha256 (else BlobMismatch)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent)
    try:
        digest, written = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as handle:
            for chunk in read_range(file, 0, file.size):
                digest.update(chunk)
                handle.write(chunk)
                written += len(chunk)
        check_digest(file.sha256, digest.hexdigest(), written, file.size)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


class _XetReader(io.RawIOBase):
    """A Xet file as a raw, seekable binary stream; each read reconstructs only its range."""

    def __init__(self, file: XetFile):
        self._file = file
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._file.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def readall(self) -> bytes:
        # io's default reads 8 KiB at a time: one reconstruction each.
        data = b"".join(read_range(self._file, self._pos, self._file.size))
        self._pos += len(data)
        return data

    def readinto(self, buffer) -> int:
        end = min(self._pos + len(buffer), self._file.size)
        if end <= self._pos:
            return 0
        view, filled = memoryview(buffer), 0
        for chunk in read_range(self._file, self._pos, end):
            view[filled : filled + len(chunk)] = chunk
            filled += len(chunk)
        self._pos += filled
        return filled


def commit_export(*, git: GitRepo, sha: str, dest: Path) -> None:
    """Writes the files of commit `sha` under the empty folder `dest`, LFS files with their
    objects' bytes (hard links where the store is local), for checks that need a whole
    model on disk (signature verification). An object the hub does not hold is left out,
    so whatever checks the folder reports that file missing."""
    for path, pointer in git.tree_write(sha, dest):
        source = object_path(oid=pointer.oid, size=pointer.size)
        if not source.is_file():
            continue
        try:
            os.link(source, dest / path)
        except OSError:  # another filesystem (an S3 cache elsewhere): copy instead
            shutil.copyfile(source, dest / path)
