"""Safetensors headers, read and checked without loading a tensor.

A safetensors file is an 8-byte little-endian header length, a JSON header naming each
tensor's dtype, shape and byte range in the data that follows, then the data. Scanning,
model pages, `model_info(expand=["safetensors"])`, evaluation and the compare view read the
header through here, so one set of checks decides whether a file is well-formed.
"""

import json
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass

# Bytes per element, as the safetensors specification names the dtypes.
DTYPE_SIZES = {
    "BOOL": 1,
    "U8": 1,
    "I8": 1,
    "F8_E5M2": 1,
    "F8_E4M3": 1,
    "F8_E8M0": 1,
    "I16": 2,
    "U16": 2,
    "F16": 2,
    "BF16": 2,
    "I32": 4,
    "U32": 4,
    "F32": 4,
    "I64": 8,
    "U64": 8,
    "F64": 8,
    "C64": 8,
}
# The reference implementation refuses headers over 100 MB; so do we.
MAX_HEADER_BYTES = 100_000_000


class SafetensorsError(ValueError):
    """The file is not well-formed safetensors; the message says why."""


@dataclass(frozen=True)
class Tensor:
    name: str
    dtype: str
    shape: tuple[int, ...]
    start: int  # offsets into the data section, as the header gives them
    end: int

    @property
    def elements(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class Header:
    tensors: tuple[Tensor, ...]
    metadata: dict[str, str]
    data_start: int  # where the data section begins in the file

    def parameters_by_dtype(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for tensor in self.tensors:
            counts[tensor.dtype] = counts.get(tensor.dtype, 0) + tensor.elements
        return counts

    @property
    def parameters(self) -> int:
        return sum(tensor.elements for tensor in self.tensors)


def read_header(read: Callable[[int], bytes], *, file_size: int) -> Header:
    """Read and check the header from a file object's `read`, positioned at its start.

    Every tensor's byte range must match its dtype and shape, lie inside the file, and the
    ranges must tile the data section without gaps or overlaps, as the format requires.
    """
    prefix = read(8)
    if len(prefix) != 8:
        raise SafetensorsError("the file is shorter than the 8-byte header length")
    (length,) = struct.unpack("<Q", prefix)
    if length > MAX_HEADER_BYTES:
        raise SafetensorsError(f"the header claims {length} bytes (at most {MAX_HEADER_BYTES})")
    if 8 + length > file_size:
        raise SafetensorsError("the header runs past the end of the file")
    raw = read(length)
    if len(raw) != length:
        raise SafetensorsError("the header is cut short")
    try:
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise SafetensorsError(f"the header is not JSON: {error}") from None
    if not isinstance(parsed, dict):
        raise SafetensorsError("the header is not a JSON object")
    metadata = _metadata(parsed.pop("__metadata__", {}))
    tensors = tuple(sorted((_tensor(name, spec) for name, spec in parsed.items()), key=_start))
    _check_layout(tensors, data_size=file_size - 8 - length)
    return Header(tensors=tensors, metadata=metadata, data_start=8 + length)


def _start(tensor: Tensor) -> tuple[int, int]:
    return (tensor.start, tensor.end)


def _metadata(value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(key, str) and isinstance(item, str) for key, item in value.items()
    ):
        raise SafetensorsError("__metadata__ must map strings to strings")
    return value


def _tensor(name: str, spec: object) -> Tensor:
    if not isinstance(spec, dict):
        raise SafetensorsError(f"tensor {name!r}: its entry is not an object")
    dtype, shape, offsets = spec.get("dtype"), spec.get("shape"), spec.get("data_offsets")
    if dtype not in DTYPE_SIZES:
        raise SafetensorsError(f"tensor {name!r}: unknown dtype {dtype!r}")
    if not isinstance(shape, list) or not all(_natural(size) for size in shape):
        raise SafetensorsError(f"tensor {name!r}: shape must be a list of natural numbers")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(map(_natural, offsets)):
        raise SafetensorsError(f"tensor {name!r}: data_offsets must be two natural numbers")
    start, end = offsets
    expected = math.prod(shape) * DTYPE_SIZES[dtype]
    if end - start != expected:
        raise SafetensorsError(
            f"tensor {name!r}: {dtype} {shape} needs {expected} bytes, "
            f"its offsets span {end - start}"
        )
    return Tensor(name=name, dtype=dtype, shape=tuple(shape), start=start, end=end)


def _natural(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_layout(tensors: tuple[Tensor, ...], *, data_size: int) -> None:
    position = 0
    for tensor in tensors:
        if tensor.start != position:
            gap = "overlaps the one before" if tensor.start < position else "leaves a gap"
            raise SafetensorsError(f"tensor {tensor.name!r} {gap} (offset {tensor.start})")
        position = tensor.end
    if position != data_size:
        raise SafetensorsError(
            f"the tensors cover {position} bytes of data, the file holds {data_size}"
        )
