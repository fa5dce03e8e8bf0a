import base64
import io
import json
import os
import tracemalloc
import uuid

import pytest

from registry.api.commit_payload import parse_commit_stream
from registry.errors import BadRequest
from registry.gitstore import GitRepo
from registry.services.commits import LfsRef

MiB = 1024 * 1024


@pytest.fixture
def git(settings, tmp_path):
    settings.HUB_REPOS_DIR = tmp_path / "repos"
    return GitRepo.init(uuid.uuid4())


def payload(*lines: dict) -> io.BytesIO:
    return io.BytesIO(b"".join(json.dumps(line).encode() + b"\n" for line in lines))


HEADER = {
    "key": "header",
    "value": {"summary": "Add", "description": "why", "parentCommit": "abcde"},
}


def file_line(path: str, data: bytes) -> dict:
    content = base64.b64encode(data).decode()
    return {"key": "file", "value": {"content": content, "path": path, "encoding": "base64"}}


def test_every_operation_kind_is_read_in_order(git):
    header, items = parse_commit_stream(payload(
        HEADER,
        file_line("a.txt", b"hello"),
        {"key": "lfsFile", "value": {"path": "w.bin", "oid": "f" * 64, "size": 3}},
        {"key": "deletedFile", "value": {"path": "old.txt"}},
        {"key": "deletedFolder", "value": {"path": "logs/"}},
    ), git)  # fmt: skip

    assert (header.summary, header.parent_commit, header.message) == (
        "Add",
        "abcde",
        "Add\n\nwhy\n",
    )
    assert git.read_blob(items[0].oid) == b"hello"
    assert items[1] == LfsRef("w.bin", "f" * 64, 3)
    assert [(i.action, i.path) for i in items[2:]] == [("delete_file", "old.txt"),
                                                       ("delete_folder", "logs")]  # fmt: skip


def test_a_large_file_line_is_stored_without_holding_the_payload_in_memory(git):
    data = os.urandom(24 * MiB)
    body = payload(HEADER, file_line("big.bin", data))
    tracemalloc.start()
    try:
        _, items = parse_commit_stream(body, git)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert git.read_blob(items[0].oid) == data
    # The payload is 32 MiB of base64; parsing it needs a few 1 MiB chunks at a time.
    assert peak < 8 * MiB


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "header line is required"),
        (b"not json\n", "not JSON"),
        (json.dumps(file_line("a", b"x")).encode() + b"\n", "must be its header"),
        (json.dumps(HEADER).encode() + b'\n{"key": "copy", "value": {}}\n', "unknown key"),
        (
            json.dumps(HEADER).encode()
            + b'\n{"key": "file", "value": {"path": "a", "content": "!!"}}\n',
            "not valid base64",
        ),  # fmt: skip
        (
            json.dumps(HEADER).encode()
            + b'\n{"key": "file", "value": {"path": "../x", "content": ""}}\n',
            "climbs out of its folder",
        ),  # fmt: skip
    ],
)
def test_a_malformed_payload_is_a_clear_400(git, body, message):
    with pytest.raises(BadRequest, match=message):
        parse_commit_stream(io.BytesIO(body), git)


def test_a_large_line_with_broken_base64_is_refused(git):
    bad = b'{"key": "file", "value": {"content": "' + b"@" * (2 * MiB) + b'", "path": "x.bin"}}\n'

    with pytest.raises(BadRequest, match="not valid base64"):
        parse_commit_stream(io.BytesIO(json.dumps(HEADER).encode() + b"\n" + bad), git)
