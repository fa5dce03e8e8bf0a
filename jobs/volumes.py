"""A job's volumes: Storage Buckets mounted into the sandbox, read-only.

`run_uv_job` with a local script ships it through the namespace's `jobs-artifacts` bucket
and mounts the job's subfolder at /data; `volumes=` mounts others. At creation the caller
must see each bucket; when the job starts the worker checks that its creator still does,
copies the files under the volume's `path` out of the Xet store into the job's private
folder (bounded by HUB_JOBS_DISK_MB), and binds that at the mount path, read-only: a job
writes results back with huggingface_hub through HF_ENDPOINT, not through the mount.
"""

from pathlib import Path, PurePosixPath

from django.conf import settings

from registry import errors
from registry.permissions import Actor
from xetstore.buckets import bucket_files, bucket_get
from xetstore.files import read_range

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
        bucket_get(actor=actor, namespace=namespace, name=name)
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
            "path": prefix or None, "readOnly": True,
        })  # fmt: skip
    return parsed


def volumes_materialize(*, actor: Actor, volumes: list[dict], into: Path) -> list[tuple[Path, str]]:
    """Each volume's files copied under `into`; returns (host folder, mount path) binds."""
    budget = settings.HUB_JOBS_DISK_MB * _MB
    binds = []
    for number, volume in enumerate(volumes):
        namespace, _, name = volume["source"].partition("/")
        bucket = bucket_get(actor=actor, namespace=namespace, name=name)
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
        binds.append((folder, volume["mountPath"]))
    return binds


def _write(folder: Path, relative: str, file) -> None:
    target = folder / relative
    for parent in reversed(target.relative_to(folder).parents):
        (folder / parent).mkdir(mode=0o755, exist_ok=True)
    with target.open("wb") as out:
        for piece in read_range(file, 0, file.size):
            out.write(piece)
    target.chmod(0o644)


def host_path(binds: list[tuple[Path, str]], inside: str) -> Path | None:
    """Where a path inside the sandbox lives on the host, if it is in a volume."""
    for folder, mount in binds:
        if inside == mount or inside.startswith(mount.rstrip("/") + "/"):
            return folder / inside[len(mount) :].lstrip("/")
    return None
