"""Scanners: what a file would do if the hub or a user loaded it, judged without loading it.

A pure library: each scanner takes a readable binary file object and its size and returns a
`Verdict` in bounded memory and time, never unpickling anything. The verdict depends on the
bytes and on the scan profile its path gives (a `.bin` is read as the pickle torch.load would
read it, whatever its first byte), so verdicts are kept per (content, profile).
"""

import time
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath
from typing import BinaryIO

from registry.safetensors import SafetensorsError, read_header
from registry.scanning.gguf import MAGIC as GGUF_MAGIC
from registry.scanning.gguf import GgufError, read_gguf
from registry.scanning.pickles import (
    COMPRESSED_MAGICS,
    DANGEROUS,
    INNOCUOUS,
    MAX_SECONDS,
    SUSPICIOUS,
    Import,
    PickleScanError,
    compressed_imports,
    highest,
    npy_imports,
    pickle_imports,
    zip_imports,
)
from registry.scanning.secrets import MAX_TEXT_BYTES, text_secrets

# What torch.load, joblib.load and pickle.load read, whatever the bytes look like.
PICKLE_SUFFIXES = frozenset({".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib"})
_STATUS = {INNOCUOUS: "safe", SUSPICIOUS: "caution", DANGEROUS: "unsafe"}


@dataclass(frozen=True)
class Verdict:
    kind: str  # pickle, compressed (a joblib pickle), zip, npy, safetensors, gguf, text, other
    level: str  # the highest import safety level (innocuous for files without imports)
    imports: tuple[Import, ...] = ()
    error: str = ""  # why the file could not be read to the end: it is not trusted
    details: dict = field(default_factory=dict)  # parameters, GGUF metadata, secrets

    @property
    def status(self) -> str:
        """The Hub's `securityFileStatus.status`."""
        return "error" if self.error else _STATUS[self.level]

    def imports_json(self) -> list[dict]:
        return [asdict(found) for found in self.imports]


def scan_profile(path: str) -> str:
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        return "pickle"
    return "safetensors" if suffix == ".safetensors" else "auto"


def scan(handle: BinaryIO, *, size: int, profile: str) -> Verdict:
    """The verdict on a seekable file of `size` bytes read under `profile` (`scan_profile`)."""
    head = handle.read(8)
    handle.seek(0)
    kind = _kind(head, size=size, profile=profile)
    deadline = time.monotonic() + MAX_SECONDS
    try:
        return _SCANNERS[kind](handle, size=size, deadline=deadline)
    except (PickleScanError, SafetensorsError, GgufError) as error:
        return Verdict(kind=kind, level=DANGEROUS, error=str(error))


def _kind(head: bytes, *, size: int, profile: str) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if profile == "pickle" and head.startswith(COMPRESSED_MAGICS):
        return "compressed"
    if profile != "auto":
        return profile
    if head.startswith(GGUF_MAGIC):
        return "gguf"
    if head.startswith(b"\x80"):
        return "pickle"
    return "text" if size <= MAX_TEXT_BYTES else "other"


def _imports_verdict(kind: str, imports: list[Import]) -> Verdict:
    return Verdict(kind=kind, level=highest([i.safety for i in imports]), imports=tuple(imports))


def _pickle(handle: BinaryIO, *, size: int, deadline: float) -> Verdict:
    return _imports_verdict("pickle", pickle_imports(handle, deadline=deadline))


def _compressed(handle: BinaryIO, *, size: int, deadline: float) -> Verdict:
    return _imports_verdict("compressed", compressed_imports(handle, deadline=deadline))


def _zip(handle: BinaryIO, *, size: int, deadline: float) -> Verdict:
    return _imports_verdict("zip", zip_imports(handle, deadline=deadline))


def _npy(handle: BinaryIO, *, size: int, deadline: float) -> Verdict:
    return _imports_verdict("npy", npy_imports(handle, deadline=deadline))


def _safetensors(handle: BinaryIO, *, size: int, deadline: float) -> Verdict:
    header = read_header(handle.read, file_size=size)
    details = {"parameters": header.parameters_by_dtype(), "total": header.parameters}
    return Verdict(kind="safetensors", level=INNOCUOUS, details=details)


def _gguf(handle: BinaryIO, *, size: int, deadline: float) -> Verdict:
    info = read_gguf(handle, file_size=size)
    details = {"version": info.version, "tensors": info.tensor_count, "metadata": info.metadata}
    return Verdict(kind="gguf", level=INNOCUOUS, details=details)


def _text(handle: BinaryIO, *, size: int, deadline: float) -> Verdict:
    data = handle.read(size)
    if b"\0" in data[:8192]:
        return Verdict(kind="other", level=INNOCUOUS)
    found = text_secrets(data)
    return Verdict(kind="text", level=INNOCUOUS, details={"secrets": found} if found else {})


def _other(handle: BinaryIO, *, size: int, deadline: float) -> Verdict:
    return Verdict(kind="other", level=INNOCUOUS)


_SCANNERS = {
    "pickle": _pickle,
    "compressed": _compressed,
    "zip": _zip,
    "npy": _npy,
    "safetensors": _safetensors,
    "gguf": _gguf,
    "text": _text,
    "other": _other,
}
