"""Copying LFS objects out of and into the store, for backup and restore."""

import shutil
from pathlib import Path

from registry.blobs import blob_store

_CHUNK = 1024 * 1024


def objects_export(dest: Path) -> int:
    """Copies every stored object to `dest/ab/cd/<oid>`; returns how many."""
    store, copied = blob_store(), 0
    for oid, _ in store.oids():
        target = dest / oid[:2] / oid[2:4] / oid
        target.parent.mkdir(parents=True, exist_ok=True)
        with store.open(oid) as source, target.open("wb") as out:
            shutil.copyfileobj(source, out, _CHUNK)
        copied += 1
    return copied


def objects_import(src: Path) -> int:
    """Stores every object of a backup, each verified against its sha256; returns how many."""
    store, copied = blob_store(), 0
    for path in sorted(src.glob("??/??/*")):
        with path.open("rb") as handle:
            store.put(path.name, iter(lambda: handle.read(_CHUNK), b""), size=path.stat().st_size)
        copied += 1
    return copied
