"""A job's volumes: Storage Buckets mounted into the sandbox.

`run_uv_job` with a local script ships it through the namespace's `jobs-artifacts` bucket
and mounts the job's subfolder at /data (read-write, as the client asks); `volumes=` mounts
others. At creation the caller must see each bucket, and write to it for a read-write
volume (the client's default for buckets); when the job starts the worker checks that its
creator still may, copies the files under the volume's `path` out of the Xet store into
the job's private folder (bounded by HUB_JOBS_DISK_MB) and binds that at the mount path.

A read-write volume is a scratch copy, not a live mount: when the job has ended, however
it ended, the worker writes what changed back to the bucket (`volumes_write_back`): new
and changed files through the Xet store as the creator's uploads (within the namespace's
quota), deleted ones deleted. The copy may hold HUB_JOBS_DISK_MB in all (the runner
checks it each second). Symbolic links and empty files the job leaves there are not
written back.
"""

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings

from registry import errors
from registry.permissions import Actor
from xetstore.buckets import bucket_batch, bucket_files, bucket_get, bucket_require_write
from xetstore.files import read_range
from xetstore.ingest import xet_file_ingest
from xetstore.tokens import CasClaims

_MB = 1024 * 1024
# Where the sandbox keeps its own things: a volume may not cover them.
_TAKEN = {"", "usr", "bin", "sbin", "lib", "lib32", "lib64", "etc", "proc", "dev", "run",
          "tmp", "home", "opt", "root", "sys"}  # fmt: skip


def volumes_parse(*, actor: Actor, volumes: object) -> list[dict]:
    """The spec's volumes, checked: buckets the caller sees, at paths of their own."""
    if volumes is None:
        return []
    if not isinstance(volumes, list) or len(volumes) > 8:
        raise errors.BadRequest("volumes must be a list of at most 8 volumes")
    parsed, mounts = [], set()
    for volume in volumes:
        if not isinstance(volume, dict) or volume.get("type") != "bucket":
            raise errors.BadRequest("This hub mounts Storage Buckets only (type 'bucket')")
        source, mount = str(volume.get("source", "")), str(volume.get("mountPath", ""))
        namespace, _, name = source.partition("/")
        bucket = bucket_get(actor=actor, namespace=namespace, name=name)
        read_only = volume.get("readOnly") is True  # the Hub's default for a bucket: writable
        if not read_only:
            bucket_require_write(actor=actor, bucket=bucket)
        where = PurePosixPath(mount)
        first = where.parts[1] if len(where.parts) > 1 else ""
        if not where.is_absolute() or ".." in where.parts or first in _TAKEN:
            raise errors.BadRequest(f"mountPath {mount!r} is not a free absolute path")
        if mount in mounts:
            raise errors.BadRequest(f"Two volumes are mounted at {mount}")
        mounts.add(mount)
        prefix = str(volume.get("path") or "").strip("/")
        parsed.append({
            "type": "bucket", "source": source, "mountPath": str(where),
            "path": prefix or None, "readOnly": read_only,
        })  # fmt: skip
    return parsed


@dataclass
class Mounted:
    """A volume's scratch copy on the host, where it is bound, and for a writable one what it
    held at the start (relative path -> (size, mtime in ns)), to write back what changed."""

    folder: Path
    mount: str
    volume: dict
    writable: bool
    started: dict[str, tuple[int, int]] = field(default_factory=dict)


def volumes_materialize(
    *, actor: Actor, volumes: list[dict], into: Path, uid: int
) -> list[Mounted]:
    """Each volume's files copied under `into`; a writable volume's copy belongs to `uid`."""
    budget = settings.HUB_JOBS_DISK_MB * _MB
    mounted = []
    for number, volume in enumerate(volumes):
        namespace, _, name = volume["source"].partition("/")
        bucket = bucket_get(actor=actor, namespace=namespace, name=name)
        writable = not volume.get("readOnly", True)
        if writable:
            bucket_require_write(actor=actor, bucket=bucket)
        folder = into / str(number)
        folder.mkdir(mode=0o755, parents=True)
        prefix = volume.get("path") or ""
        for item in bucket_files(bucket=bucket, prefix=prefix):
            budget -= item.file.size
            if budget < 0:
                limit = settings.HUB_JOBS_DISK_MB
                raise errors.PayloadTooLarge(f"The job's volumes hold more than {limit} MiB")
            relative = item.path[len(prefix) :].lstrip("/") if prefix else item.path
            _write(folder, relative, item.file)
        here = Mounted(folder, volume["mountPath"], volume, writable)
        if writable:
            here.started = _listing(folder)
            for path in [folder, *folder.rglob("*")]:
                os.chown(path, uid, uid)
        mounted.append(here)
    return mounted


def _write(folder: Path, relative: str, file) -> None:
    target = folder / relative
    for parent in reversed(target.relative_to(folder).parents):
        (folder / parent).mkdir(mode=0o755, exist_ok=True)
    with target.open("wb") as out:
        for piece in read_range(file, 0, file.size):
            out.write(piece)
    target.chmod(0o644)


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    """The regular files under `folder` (relative path -> size, mtime), links not followed:
    the job owns the folder, so nothing in it is trusted to point inside it."""
    found = {}
    for root, dirs, files in os.walk(folder):  # os.walk does not follow links to folders
        for name in files:
            info = os.lstat(os.path.join(root, name))
            if stat.S_ISREG(info.st_mode):
                relative = os.path.relpath(os.path.join(root, name), folder)
                found[relative] = (info.st_size, info.st_mtime_ns)
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]
    return found


def volumes_size(mounted: list[Mounted]) -> int:
    """Bytes the writable volumes' copies hold now."""
    return sum(size for m in mounted if m.writable for size, _ in _listing(m.folder).values())


def volumes_write_back(*, actor: Actor, mounted: list[Mounted]) -> list[str]:
    """Each writable volume's new, changed and deleted files applied to its bucket, as
    `actor` (who must still write to it); a line for the job's log per volume. Nothing is
    written when the copies hold more than HUB_JOBS_DISK_MB."""
    if volumes_size(mounted) > settings.HUB_JOBS_DISK_MB * _MB:
        limit = settings.HUB_JOBS_DISK_MB
        raise errors.PayloadTooLarge(
            f"The writable volumes hold more than {limit} MiB: not written back"
        )
    said = []
    for here in (m for m in mounted if m.writable):
        namespace, _, name = here.volume["source"].partition("/")
        bucket = bucket_get(actor=actor, namespace=namespace, name=name)
        bucket_require_write(actor=actor, bucket=bucket)
        now = _listing(here.folder)
        prefix = here.volume.get("path") or ""
        where = (prefix + "/") if prefix else ""
        claims = CasClaims(None, actor.user, False, bucket=bucket)
        lines = [
            _added(here.folder, relative, f"{where}{relative}", claims)
            for relative, seen in sorted(now.items())
            if seen[0] > 0 and here.started.get(relative) != seen
        ]
        gone = [relative for relative in sorted(here.started) if relative not in now]
        lines += [json.dumps({"type": "deleteFile", "path": f"{where}{r}"}).encode() for r in gone]
        failed = bucket_batch(actor=actor, bucket=bucket, lines=iter(lines))
        if failed:
            raise errors.BadRequest(f"Writing {here.mount} back failed: {failed[0]['error']}")
        said.append(
            f"[job] {here.mount}: wrote {len(lines) - len(gone)} files back to "
            f"{here.volume['source']}{'/' + prefix if prefix else ''}, deleted {len(gone)}"
        )
    return said


def _added(folder: Path, relative: str, path: str, claims: CasClaims) -> bytes:
    fd = os.open(folder / relative, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as source:
        mtime = os.fstat(source.fileno()).st_mtime_ns // 1_000_000
        xet_hash = xet_file_ingest(source=source, claims=claims)
    return json.dumps(
        {"type": "addFile", "path": path, "xetHash": xet_hash, "mtime": mtime}
    ).encode()


def host_path(mounted: list[Mounted], inside: str) -> Path | None:
    """Where a path inside the sandbox lives on the host, if it is in a volume."""
    for here in mounted:
        mount = here.mount
        if inside == mount or inside.startswith(mount.rstrip("/") + "/"):
            return here.folder / inside[len(mount) :].lstrip("/")
    return None
