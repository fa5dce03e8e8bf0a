"""Tensor-level comparison of two safetensors files: the headers side by side, and the data of
tensors whose layout did not change, streamed in blocks so memory stays bounded."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np

from registry.safetensors import DTYPE_SIZES, Header, Tensor

# numpy has no 8-bit floats and no bfloat16: BF16 is widened by hand, F8 is left out.
_NUMPY_DTYPES = {
    "BOOL": np.bool_,
    "U8": np.uint8,
    "I8": np.int8,
    "I16": np.int16,
    "U16": np.uint16,
    "F16": np.float16,
    "BF16": np.uint16,
    "I32": np.int32,
    "U32": np.uint32,
    "F32": np.float32,
    "I64": np.int64,
    "U64": np.uint64,
    "F64": np.float64,
}


@dataclass
class HeaderDiff:
    """What changed between two headers, tensor by tensor (names in header order)."""

    added: list[Tensor] = field(default_factory=list)
    removed: list[Tensor] = field(default_factory=list)
    reshaped: list[tuple[Tensor, Tensor]] = field(default_factory=list)
    retyped: list[tuple[Tensor, Tensor]] = field(default_factory=list)
    same_layout: list[tuple[Tensor, Tensor]] = field(default_factory=list)

    @property
    def comparable(self) -> list[tuple[Tensor, Tensor]]:
        """Pairs whose data can be compared element by element."""
        return [pair for pair in self.same_layout if pair[0].dtype in _NUMPY_DTYPES]


def header_diff(base: Header | None, head: Header | None) -> HeaderDiff:
    """Tensors matched by name; a tensor whose dtype and shape both changed counts as both."""
    old = {t.name: t for t in base.tensors} if base else {}
    new = {t.name: t for t in head.tensors} if head else {}
    diff = HeaderDiff(
        added=[t for name, t in new.items() if name not in old],
        removed=[t for name, t in old.items() if name not in new],
    )
    for name, before in old.items():
        after = new.get(name)
        if after is None:
            continue
        if before.shape != after.shape:
            diff.reshaped.append((before, after))
        if before.dtype != after.dtype:
            diff.retyped.append((before, after))
        if before.shape == after.shape and before.dtype == after.dtype:
            diff.same_layout.append((before, after))
    return diff


@dataclass
class TensorStats:
    """The data diff of one tensor: changed elements and the largest changes."""

    name: str
    dtype: str
    shape: list[int]
    elements: int
    changed: int = 0
    max_abs: float = 0.0
    # Largest |new - old| / |old| over elements whose old value is not zero.
    max_rel: float = 0.0
    blocks: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _as_float(data: bytes, dtype: str) -> np.ndarray:
    values = np.frombuffer(data, dtype=_NUMPY_DTYPES[dtype])
    if dtype == "BF16":
        # bfloat16 is the top half of a float32.
        return (values.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return values.astype(np.float64)


def _fold(stats: TensorStats, old: np.ndarray, new: np.ndarray) -> None:
    both_nan = np.isnan(old) & np.isnan(new)
    stats.changed += int(np.count_nonzero((old != new) & ~both_nan))
    delta = np.abs(new - old)
    finite = delta[np.isfinite(delta)]
    if finite.size:
        stats.max_abs = max(stats.max_abs, float(finite.max()))
    nonzero = (old != 0) & np.isfinite(delta)
    if nonzero.any():
        stats.max_rel = max(stats.max_rel, float((delta[nonzero] / np.abs(old[nonzero])).max()))
    stats.blocks += 1


def tensor_stats(
    base: BinaryIO,
    head: BinaryIO,
    pair: tuple[tuple[Tensor, int], tuple[Tensor, int]],
    *,
    block_bytes: int,
    progress: Callable[[int], None],
) -> TensorStats:
    """Compares one tensor in both files, `block_bytes` of each at a time.

    `pair` is each side's tensor with its file's data start. Only one block per side (and
    its float64 copy) is ever in memory, so a tensor of any size costs the same.
    """
    (old, old_start), (new, new_start) = pair
    itemsize = DTYPE_SIZES[old.dtype]
    step = max(itemsize, block_bytes - block_bytes % itemsize)
    stats = TensorStats(
        name=old.name, dtype=old.dtype, shape=list(old.shape), elements=old.elements
    )
    size = old.end - old.start
    for offset in range(0, size, step):
        length = min(step, size - offset)
        base.seek(old_start + old.start + offset)
        head.seek(new_start + new.start + offset)
        _fold(
            stats, _as_float(base.read(length), old.dtype), _as_float(head.read(length), new.dtype)
        )
        progress(length)
    return stats
