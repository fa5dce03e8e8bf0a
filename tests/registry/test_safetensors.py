import io
import json
import struct

import numpy as np
import pytest
from safetensors.numpy import save

from registry.safetensors import SafetensorsError, read_header


def parse(data: bytes):
    return read_header(io.BytesIO(data).read, file_size=len(data))


def handmade(header: dict, data: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


def test_it_reads_what_the_safetensors_library_writes():
    data = save(
        {"w": np.zeros((3, 4), dtype=np.float32), "ids": np.zeros(5, dtype=np.int64)},
        metadata={"format": "pt"},
    )

    header = parse(data)

    assert {t.name: (t.dtype, t.shape) for t in header.tensors} == {
        "w": ("F32", (3, 4)),
        "ids": ("I64", (5,)),
    }
    assert header.parameters_by_dtype() == {"F32": 12, "I64": 5}
    assert header.parameters == 17
    assert header.metadata == {"format": "pt"}


def test_a_truncated_file_is_refused():
    data = save({"w": np.zeros((3, 4), dtype=np.float32)})

    with pytest.raises(SafetensorsError, match="tensors cover 48 bytes"):
        parse(data[:-4])
    with pytest.raises(SafetensorsError, match="past the end"):
        parse(data[:20])


def test_offsets_that_do_not_match_the_shape_are_refused():
    data = handmade({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 8]}}, b"\0" * 8)

    with pytest.raises(SafetensorsError, match="needs 16 bytes"):
        parse(data)


def test_overlapping_tensors_are_refused():
    spec = {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]}
    data = handmade({"a": spec, "b": spec}, b"\0" * 4)

    with pytest.raises(SafetensorsError, match="overlaps"):
        parse(data)


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ({"dtype": "F128", "shape": [1], "data_offsets": [0, 16]}, "unknown dtype"),
        ({"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}, "natural numbers"),
        ({"dtype": "F32", "shape": [1], "data_offsets": [0]}, "data_offsets"),
        ("not an object", "not an object"),
    ],
)
def test_malformed_entries_are_named(spec, reason):
    with pytest.raises(SafetensorsError, match=reason):
        parse(handmade({"w": spec}, b"\0" * 16))


def test_a_header_claiming_terabytes_is_refused_before_reading_it():
    data = struct.pack("<Q", 2**40) + b"{}"

    with pytest.raises(SafetensorsError, match="at most"):
        parse(data)
