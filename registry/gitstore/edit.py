"""Applying a commit's operations to an in-memory index.

The index is walked once: a set of file paths and a count of files under each folder then
answer "is this a file, a folder, or neither" in time proportional to the path's depth, so
a commit of many files to a large repo stays linear.
"""

from collections import Counter

import pygit2

from registry.errors import BadRequest, EntryNotFound

_BLOB = pygit2.enums.FileMode.BLOB


def _folders_of(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:depth]) for depth in range(1, len(parts))]


class TreeEdit:
    def __init__(self, index: pygit2.Index):
        self.index = index
        self.files = {entry.path for entry in index}
        self.folders = Counter(folder for path in self.files for folder in _folders_of(path))

    def add(self, path: str, oid: str) -> None:
        if self.folders[path]:
            raise BadRequest(f"Cannot add file '{path}': a folder with this name exists")
        for folder in _folders_of(path):
            if folder in self.files:
                raise BadRequest(f"Cannot add file '{path}': '{folder}' is a file")
        self.index.add(pygit2.IndexEntry(path, pygit2.Oid(hex=oid), _BLOB))
        if path not in self.files:
            self.files.add(path)
            self.folders.update(_folders_of(path))

    def delete(self, path: str, *, folder_only: bool) -> None:
        """Deletes a file, or everything under a folder (the Hub's deletedFile does both)."""
        path = path.rstrip("/")
        is_file = path in self.files and not folder_only
        under = [p for p in self.files if p.startswith(path + "/")] if self.folders[path] else []
        if not is_file and not under:
            kind = "folder" if folder_only else "file"
            raise EntryNotFound(f"A {kind} with this name doesn't exist: {path}")
        for victim in [path] if is_file else under:
            self.index.remove(victim)
            self.files.discard(victim)
            self.folders.subtract(_folders_of(victim))
