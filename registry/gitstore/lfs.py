import re
from dataclasses import dataclass

POINTER_VERSION = b"version https://git-lfs.github.com/spec/v1\n"
# A pointer is ~130 bytes; anything much larger is file content, not a pointer.
POINTER_MAX_SIZE = 1024
_POINTER_RE = re.compile(
    rb"^version https://git-lfs\.github\.com/spec/v1\n"
    rb"(?:[a-z0-9.-]+ [^\n]*\n)*?"
    rb"oid sha256:(?P<oid>[0-9a-f]{64})\n"
    rb"size (?P<size>[0-9]+)\n"
    rb"(?:[a-z0-9.-]+ [^\n]*\n)*$"
)


@dataclass(frozen=True)
class LfsPointer:
    oid: str
    size: int
    pointer_size: int


def pointer_bytes(oid: str, size: int) -> bytes:
    """The canonical pointer git-lfs writes for an object."""
    return POINTER_VERSION + f"oid sha256:{oid}\nsize {size}\n".encode()


def parse_pointer(data: bytes) -> LfsPointer | None:
    if len(data) > POINTER_MAX_SIZE or not data.startswith(POINTER_VERSION):
        return None
    match = _POINTER_RE.fullmatch(data)
    if match is None:
        return None
    return LfsPointer(match["oid"].decode(), int(match["size"]), len(data))
