"""The NDJSON body of POST .../commit/{rev}, read line by line so no payload sits in memory whole.

Regular files are written to git as blobs as soon as their line is read; only their ids are
kept. Blobs of a commit that then fails are unreferenced and change nothing.
"""

import base64
import binascii
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from registry import errors
from registry.api import ndjson
from registry.gitstore import Change, GitRepo, parse_pointer
from registry.names import validate_path_in_repo
from registry.request import json_text_check
from registry.services.commits import LfsRef

_PARENT_RE = re.compile(r"^[0-9a-fA-F]{5,40}$")
_OID_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class CommitHeader:
    summary: str
    description: str
    parent_commit: str | None

    @property
    def message(self) -> str:
        return f"{self.summary}\n\n{self.description}".strip() + "\n"


def parse_commit_stream(
    stream: BinaryIO, git: GitRepo
) -> tuple[CommitHeader, list[Change | LfsRef]]:
    header = None
    items: list[Change | LfsRef] = []
    for number, line in enumerate(ndjson.iter_lines(stream), start=1):
        with line:
            if line.tell() > ndjson.SMALL_LINE and header is not None:
                items.append(_large_file(line, number, git))
                continue
            raw = ndjson.read_range(line, 0, line.tell())
        if not raw.strip():
            continue
        key, value = _line(raw, number)
        if header is None:
            if key != "header":
                raise errors.BadRequest("The first line of a commit payload must be its header")
            header = _header(value)
        elif key == "file":
            items.append(_file(value, git))
        elif key == "lfsFile":
            items.append(_lfs_file(value))
        elif key in {"deletedFile", "deletedFolder"}:
            path = _path(value, strip_slash=True)
            items.append(Change("delete_file" if key == "deletedFile" else "delete_folder", path))
        else:
            raise errors.BadRequest(f"Line {number}: unknown key '{key}'")
    if header is None:
        raise errors.BadRequest("The commit payload is empty: a header line is required")
    return header, items


def _line(raw: bytes, number: int) -> tuple[str, dict]:
    try:
        line = json_text_check(json.loads(raw))
    except (ValueError, UnicodeDecodeError):
        raise errors.BadRequest(f"Line {number} of the commit payload is not JSON") from None
    if not isinstance(line, dict) or not isinstance(line.get("value"), dict):
        raise errors.BadRequest(f"Line {number} must be an object with 'key' and 'value'")
    return str(line.get("key")), line["value"]


def _header(value: dict) -> CommitHeader:
    summary = str(value.get("summary") or "").strip() or "Upload files"
    parent = value.get("parentCommit")
    if parent is not None and not (isinstance(parent, str) and _PARENT_RE.fullmatch(parent)):
        raise errors.BadRequest("parentCommit must be 5 to 40 hexadecimal characters")
    return CommitHeader(summary, str(value.get("description") or ""), parent)


def _path(value: dict, *, strip_slash: bool = False) -> str:
    path = value.get("path")
    if not isinstance(path, str):
        raise errors.BadRequest("Each operation needs a 'path' string")
    if strip_slash:
        path = path.rstrip("/")
    return validate_path_in_repo(path)


def _file(value: dict, git: GitRepo) -> Change | LfsRef:
    """A regular file; content that is an LFS pointer is held to the rules of `lfsFile`."""
    path = _path(value)
    if value.get("encoding", "base64") != "base64":
        raise errors.BadRequest(f"{path}: only base64 encoding is supported")
    try:
        data = base64.b64decode(value.get("content", ""), validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise errors.BadRequest(f"{path}: content is not valid base64") from None
    pointer = parse_pointer(data)
    if pointer is not None:
        # Otherwise a hand-written pointer would reach any stored object by its hash.
        return LfsRef(path, pointer.oid, pointer.size)
    return Change("add", path, git.write_blob(data))


def _large_file(line, number: int, git: GitRepo) -> Change:
    """A `file` line too long to load: its content is decoded to disk, then stored by git."""
    size = line.seek(0, 2)
    start, end = ndjson.content_span(line)
    key, value = _line(
        ndjson.read_range(line, 0, start) + ndjson.read_range(line, end, size), number
    )
    if key != "file":
        raise errors.BadRequest(f"Line {number} is too long for a '{key}' operation")
    path = _path(value)
    if value.get("encoding", "base64") != "base64":
        raise errors.BadRequest(f"{path}: only base64 encoding is supported")
    with tempfile.TemporaryDirectory(dir=git.path) as folder:
        decoded = Path(folder) / "content"
        ndjson.decode_base64_range(line, start, end, decoded)
        return Change("add", path, git.write_blob_from_path(decoded))


def _lfs_file(value: dict) -> LfsRef:
    path = _path(value)
    oid, size = value.get("oid"), value.get("size")
    if (
        value.get("algo", "sha256") != "sha256"
        or not isinstance(oid, str)
        or not _OID_RE.fullmatch(oid)
    ):
        raise errors.BadRequest(f"{path}: lfsFile needs a sha256 oid of 64 lowercase hex digits")
    if size is not None and (not isinstance(size, int) or size < 0):
        raise errors.BadRequest(f"{path}: lfsFile size must be a non-negative integer")
    return LfsRef(path, oid, size)
