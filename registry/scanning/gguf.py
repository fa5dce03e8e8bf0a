"""GGUF metadata (llama.cpp's format), read from the header without touching tensor data.

Layout: b"GGUF", a uint32 version, uint64 tensor and key-value counts, then the key-value
pairs, each a length-prefixed key, a uint32 type and a value (arrays nest a type and count).
"""

import struct
from dataclasses import dataclass
from typing import BinaryIO

MAGIC = b"GGUF"
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?"}
_SCALARS |= {10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
_MAX_STRING = 16 << 20
_MAX_COUNT = 1 << 24  # key-value pairs, array items
_KEPT_STRING = 200  # longer values (chat templates) are kept cut, with their length


class GgufError(ValueError):
    """The header is not well-formed GGUF."""


@dataclass(frozen=True)
class GgufInfo:
    version: int
    tensor_count: int
    metadata: dict[str, object]  # scalars and short strings; arrays as their length


def read_gguf(handle: BinaryIO, *, file_size: int) -> GgufInfo:
    """The version, tensor count and metadata of a GGUF file; GgufError if malformed."""
    reader = _Reader(handle, file_size)
    if reader.take(4) != MAGIC:
        raise GgufError("the file does not start with GGUF")
    version = reader.unpack("<I")
    if version not in (2, 3):
        raise GgufError(f"unsupported GGUF version {version}")
    tensors, pairs = reader.unpack("<Q"), reader.unpack("<Q")
    if pairs > _MAX_COUNT:
        raise GgufError(f"the header claims {pairs} metadata entries")
    metadata = {}
    for _ in range(pairs):
        key = reader.string()
        metadata[key] = _value(reader, reader.unpack("<I"))
    return GgufInfo(version=version, tensor_count=tensors, metadata=metadata)


def _value(reader: "_Reader", kind: int) -> object:
    if kind in _SCALARS:
        return reader.unpack(_SCALARS[kind])
    if kind == _STRING:
        text = reader.string()
        return text if len(text) <= _KEPT_STRING else f"{text[:_KEPT_STRING]}… ({len(text)})"
    if kind == _ARRAY:
        item_kind, count = reader.unpack("<I"), reader.unpack("<Q")
        if count > _MAX_COUNT:
            raise GgufError(f"an array claims {count} items")
        for _ in range(count):
            _value(reader, item_kind)
        return f"[{count} items]"
    raise GgufError(f"unknown value type {kind}")


class _Reader:
    def __init__(self, handle: BinaryIO, file_size: int) -> None:
        self._handle, self._left = handle, file_size

    def take(self, size: int) -> bytes:
        if size > self._left:
            raise GgufError("the header runs past the end of the file")
        data = self._handle.read(size)
        if len(data) != size:
            raise GgufError("the header is cut short")
        self._left -= size
        return data

    def unpack(self, layout: str) -> int:
        return struct.unpack(layout, self.take(struct.calcsize(layout)))[0]

    def string(self) -> str:
        length = self.unpack("<Q")
        if length > _MAX_STRING:
            raise GgufError(f"a string claims {length} bytes")
        return self.take(length).decode("utf-8", errors="replace")
