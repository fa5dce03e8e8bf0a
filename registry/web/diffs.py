"""A commit's patch split into files for the commit page: text inline, binary, LFS and large
files summarised."""

import re
from dataclasses import dataclass, field

from registry.gitstore.repo import DIFF_TRUNCATED, LARGE_FILES

MAX_LINES_PER_FILE = 1500
MAX_FILES = 300
_HEADER_RE = re.compile(r"^diff --git a/(.*) b/(.*)$")
_LFS_RE = re.compile(r"^[-+ ]?(?:oid sha256:(?P<oid>[0-9a-f]{64})|size (?P<size>\d+))$")


@dataclass
class FileDiff:
    path: str
    status: str = "modified"  # added, deleted, modified, renamed
    kind: str = "text"  # text, binary, lfs, large
    lines: list[tuple[str, str]] = field(default_factory=list)  # (css class, text)
    truncated: bool = False
    lfs: dict = field(default_factory=dict)  # {"old": (oid, size), "new": (oid, size)}


def parse_patch(patch: str) -> tuple[list[FileDiff], bool]:
    """(files, truncated): one FileDiff per `diff --git` section, at most MAX_FILES; truncated
    too when the patch was cut at HUB_DIFF_MAX_BYTES."""
    files: list[FileDiff] = []
    truncated = False
    for line in patch.splitlines():
        header = _HEADER_RE.match(line)
        truncated = line.startswith(DIFF_TRUNCATED) or bool(header and len(files) == MAX_FILES)
        if truncated:
            break
        if header:
            files.append(FileDiff(path=header.group(2)))
        elif files:
            _feed(files[-1], line)
    for diff in files:
        _summarise_lfs(diff)
    return files, truncated


def _feed(diff: FileDiff, line: str) -> None:
    if line.startswith("new file mode"):
        diff.status = "added"
    elif line.startswith("deleted file mode"):
        diff.status = "deleted"
    elif line.startswith("rename from"):
        diff.status = "renamed"
    elif line.startswith("Binary files"):
        diff.kind = "binary"
    elif line.startswith(LARGE_FILES):
        diff.kind = "large"
    elif line.startswith(("index ", "--- ", "+++ ", "similarity index", "rename to")):
        return
    elif len(diff.lines) >= MAX_LINES_PER_FILE:
        diff.truncated = True
    else:
        css = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "ctx")
        diff.lines.append((css, line))


def _summarise_lfs(diff: FileDiff) -> None:
    """A change to an LFS pointer is shown as old and new object, not as pointer text."""
    body = [text for css, text in diff.lines if css != "hunk"]
    if not any("version https://git-lfs.github.com/spec/v1" in text for text in body):
        return
    sides: dict[str, dict] = {"old": {}, "new": {}}
    for text in body:
        match = _LFS_RE.match(text)
        if match is None:
            continue
        targets = {"-": ["old"], "+": ["new"]}.get(text[:1], ["old", "new"])
        for side in targets:
            key = "oid" if match.group("oid") else "size"
            sides[side][key] = match.group(key)
    diff.kind = "lfs"
    diff.lfs = {side: values for side, values in sides.items() if values}
    diff.lines = []
