"""Reading a large NDJSON body in constant memory.

Lines are spooled: short ones stay in memory, long ones (a `file` line carrying a big
base64 payload) go to a temporary file. A long line's base64 `content` is then located by
scanning the file and decoded chunk by chunk, so no line is ever held whole.
"""

import base64
import binascii
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from registry import errors

SMALL_LINE = 1024 * 1024
_CHUNK = 1024 * 1024  # a multiple of 4: base64 quanta never straddle two chunks
_CONTENT_RE = re.compile(rb'(?<!\\)"content"\s*:\s*"')


def iter_lines(stream: BinaryIO) -> Iterator[tempfile.SpooledTemporaryFile]:
    """Each non-empty line of `stream`, as a spooled file positioned at its end.

    The caller owns (and closes) each line it is handed.
    """
    line = tempfile.SpooledTemporaryFile(max_size=SMALL_LINE)  # noqa: SIM115
    while data := stream.read(_CHUNK):
        start = 0
        while (end := data.find(b"\n", start)) != -1:
            line.write(data[start:end])
            if line.tell():
                yield line
            else:
                line.close()
            line = tempfile.SpooledTemporaryFile(max_size=SMALL_LINE)  # noqa: SIM115
            start = end + 1
        line.write(data[start:])
    if line.tell():
        yield line
    else:
        line.close()


def read_range(line: BinaryIO, start: int, end: int) -> bytes:
    line.seek(start)
    return line.read(end - start)


def content_span(line: BinaryIO) -> tuple[int, int]:
    """Offsets of the base64 text of the line's `"content": "..."` value."""
    size, position, carry = line.seek(0, 2), 0, b""
    line.seek(0)
    start = None
    while start is None:
        chunk = line.read(_CHUNK)
        if not chunk:
            raise errors.BadRequest("A long commit line must be a file with base64 content")
        match = _CONTENT_RE.search(carry + chunk)
        if match:
            start = position - len(carry) + match.end()
        carry = (carry + chunk)[-64:]
        position += len(chunk)
    line.seek(start)
    offset = start
    while chunk := line.read(_CHUNK):
        quote = chunk.find(b'"')
        if quote != -1:
            return start, offset + quote
        offset += len(chunk)
    raise errors.BadRequest(f"The content string of a commit line ({size} bytes) never ends")


def decode_base64_range(line: BinaryIO, start: int, end: int, target: Path) -> None:
    """Decodes the base64 text at [start, end) of `line` into the file `target`."""
    line.seek(start)
    left = end - start
    with target.open("wb") as out:
        while left > 0:
            chunk = line.read(min(_CHUNK, left))
            left -= len(chunk)
            try:
                out.write(base64.b64decode(chunk, validate=True))
            except (binascii.Error, ValueError):
                raise errors.BadRequest("File content is not valid base64") from None
