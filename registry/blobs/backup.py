"""Copying LFS objects and Xet xorbs out of and into their stores, for backup and restore."""

import shutil
from pathlib import Path

from registry.blobs import blob_store
from registry.errors import BadRequest
from xetstore.hashing import str_to_hash
from xetstore.storage import stage, xorb_store
from xetstore.xorb import MAX_XORB_BYTES, XorbError, parse_xorb

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


def xorbs_export(xorbs: list[tuple[str, int]], dest: Path) -> int:
    """Copies the `(hash, serialized length)` xorbs to `dest/ab/<hash>`; returns how many."""
    store = xorb_store()
    for hash, length in xorbs:
        target = dest / hash[:2] / hash
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(store.read(hash, 0, length))  # at most 64 MiB
    return len(xorbs)


def xorbs_import(src: Path) -> int:
    """Stores every xorb of a backup once its chunks and hash verify; returns how many."""
    store, copied = xorb_store(), 0
    for path in sorted(src.glob("??/*")):
        data = path.read_bytes()
        try:
            parse_xorb(data, expected_hash=str_to_hash(path.name))
        except (XorbError, ValueError) as exc:
            raise BadRequest(f"{path} is not the xorb its name says: {exc}") from None
        store.keep(stage(store.tmp, [data], limit=MAX_XORB_BYTES), path.name)
        copied += 1
    return copied
