"""The file-by-file part of a comparison: which files changed between two trees, and what a
reader is shown for each (a text diff, a config table, a tensor diff), all bounded."""

import difflib
import json
from dataclasses import dataclass, field

from compare.tensors import HeaderDiff
from registry.gitstore import Entry
from registry.safetensors import Header

# Past these a comparison lists files without reading them, and cuts long diffs.
MAX_FILES = 300
MAX_LINES_PER_FILE = 1500
CONFIG_FILES = {"config.json", "generation_config.json"}
CARD = "README.md"


@dataclass
class ConfigRow:
    key: str
    status: str  # added, removed, changed, same
    base: str | None
    head: str | None


@dataclass
class FileChange:
    path: str
    status: str  # added, removed, modified, renamed (the same bytes at another path)
    base: Entry | None
    head: Entry | None
    old_path: str = ""  # a renamed file's path in the base
    kind: str = "binary"  # card, text, config, safetensors, binary, large
    lines: list[tuple[str, str]] = field(default_factory=list)  # (css class, text)
    truncated: bool = False
    config: list[ConfigRow] = field(default_factory=list)
    tensors: HeaderDiff | None = None
    headers: tuple[Header | None, Header | None] = (None, None)
    data: object = None  # the TensorDiff row, once one was asked for
    note: str = ""

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def object_key(self) -> tuple[str, str]:
        """Both sides' objects: an LFS sha256, or the git blob id."""
        return (_object(self.base), _object(self.head))

    @property
    def configured(self) -> bool:
        return self.name in CONFIG_FILES


def _object(entry: Entry | None) -> str:
    if entry is None:
        return ""
    return entry.lfs.oid if entry.lfs else entry.oid


def changes_between(base: list[Entry], head: list[Entry]) -> tuple[list[FileChange], int]:
    """(changes in path order, at most MAX_FILES; how many there were). Files are matched by
    path; a file removed from one path and added at another with the very same bytes (the
    same blob or LFS object) is one rename, as `git diff -M100%` reports it."""
    old = {e.path: e for e in base if e.type == "file"}
    new = {e.path: e for e in head if e.type == "file"}
    changes = []
    for path in sorted(old.keys() | new.keys(), key=_card_first):
        before, after = old.get(path), new.get(path)
        if before is not None and after is not None and _object(before) == _object(after):
            continue
        status = "added" if before is None else "removed" if after is None else "modified"
        changes.append(FileChange(path=path, status=status, base=before, head=after))
    changes = _renames(changes)
    return changes[:MAX_FILES], len(changes)


def _renames(changes: list[FileChange]) -> list[FileChange]:
    """Pairs each added file with a removed file of the same object (the first by path)."""
    removed: dict[str, list[FileChange]] = {}
    for change in changes:
        if change.status == "removed":
            removed.setdefault(_object(change.base), []).append(change)
    paired: set[int] = set()
    for change in changes:
        candidates = removed.get(_object(change.head)) if change.status == "added" else None
        if candidates:
            source = candidates.pop(0)
            paired.add(id(source))
            change.status, change.base, change.old_path = "renamed", source.base, source.path
    return [change for change in changes if id(change) not in paired]


def _card_first(path: str) -> tuple[bool, str]:
    return (path != CARD, path)


def decode_text(data: bytes) -> str | None:
    """The text of a file, or None for bytes that are not UTF-8 text."""
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def text_diff(change: FileChange, before: str, after: str) -> None:
    """A unified diff with three lines of context, as `git diff` shows."""
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=3)
    for line in diff:
        if line.startswith(("--- ", "+++ ")) and not change.lines:
            continue
        if len(change.lines) >= MAX_LINES_PER_FILE:
            change.truncated = True
            break
        css = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "ctx")
        change.lines.append((css, line))


def config_table(before: object, after: object) -> list[ConfigRow]:
    """Key by key, nested keys flattened with dots; values shown as JSON."""
    old, new = flatten(before), flatten(after)
    rows = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        status = (
            "added" if a is None else "removed" if b is None else "same" if a == b else "changed"
        )
        rows.append(ConfigRow(key=key, status=status, base=a, head=b))
    return rows


def flatten(value: object, prefix: str = "") -> dict[str, str]:
    if isinstance(value, dict) and value:
        flat: dict[str, str] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if not prefix:
        # An absent side (or an empty object) has no keys; any other JSON value is one row.
        return {} if value == {} else {"(whole file)": json.dumps(value, sort_keys=True)}
    return {prefix: json.dumps(value, sort_keys=True)}
