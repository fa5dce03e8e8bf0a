"""Storage Buckets on the Xet store: who may read and write one, and its writes (create,
delete, the batch of added and deleted paths) and reads (info, listings, paths).

Files reach a bucket in two steps, as huggingface_hub's batch_bucket_files sends them: hf_xet
uploads xorbs and a shard with the bucket's write token (the shard's files become
`BucketUpload`s of the bucket, xetstore.services), then the batch names each file by its
Xet hash at a path. A batch may only name files uploaded to this bucket or already in it,
so a hash alone never brings someone else's bytes in.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from registry import errors
from registry.models import Namespace
from registry.names import validate_path_in_repo, validate_repo_name
from registry.permissions import Action, Actor, namespace_role, require
from xetstore.models import Bucket, BucketFile, BucketUpload, XetFile

_BATCH_MAX_LINES = 5000


class BucketNotFound(errors.RepoNotFound):
    """The client maps RepoNotFound on /api/buckets/ to BucketNotFoundError."""


def bucket_readable(*, actor: Actor, bucket: Bucket) -> bool:
    if not bucket.private:
        return True
    return (
        actor.signed_in and namespace_role(user=actor.user, namespace=bucket.namespace) is not None
    )


def bucket_get(*, actor: Actor, namespace: str, name: str) -> Bucket:
    """The bucket if `actor` may see it; the same 404 as a missing one otherwise."""
    bucket = (
        Bucket.objects.select_related("namespace")
        .filter(namespace__name__iexact=namespace, name__iexact=name)
        .first()
    )
    if bucket is None or not bucket_readable(actor=actor, bucket=bucket):
        raise BucketNotFound("Bucket not found", anonymous=not actor.signed_in)
    return bucket


def bucket_require_write(*, actor: Actor, bucket: Bucket) -> None:
    require(actor, Action.WRITE, namespace=bucket.namespace)


def buckets_of(*, actor: Actor, namespace: Namespace, search: str | None) -> list[Bucket]:
    found: QuerySet[Bucket] = Bucket.objects.filter(namespace=namespace).select_related("namespace")
    if search:
        found = found.filter(name__icontains=search)
    return [b for b in found.order_by("name") if bucket_readable(actor=actor, bucket=b)]


def bucket_create(
    *, actor: Actor, namespace: Namespace, name: str, private: bool, base_url: str
) -> Bucket:
    """A bucket of `namespace`, whose writers may create one; 409 when the name is taken,
    with the bucket's `url` (create_bucket(exist_ok=True) reads it from the 409's body)."""
    require(actor, Action.WRITE, namespace=namespace)
    validate_repo_name(name)
    try:
        with transaction.atomic():
            return Bucket.objects.create(namespace=namespace, name=name, private=private)
    except IntegrityError:
        url = f"{base_url}/buckets/{namespace.name}/{name}"
        raise errors.Conflict(
            f"Bucket {namespace.name}/{name} already exists", body={"url": url}
        ) from None


def bucket_delete(*, actor: Actor, bucket: Bucket) -> None:
    """The bucket and its paths; the stored files stay in the Xet store."""
    bucket_require_write(actor=actor, bucket=bucket)
    bucket.delete()


def bucket_batch(*, actor: Actor, bucket: Bucket, lines: Iterator[bytes]) -> list[dict]:
    """batch_bucket_files' NDJSON: `addFile` (path, xetHash, mtime) and `deleteFile` (path).
    Returns the failed operations, each with its path and why; the others are applied."""
    bucket_require_write(actor=actor, bucket=bucket)
    failed = []
    for number, raw in enumerate(lines):
        if number >= _BATCH_MAX_LINES:
            raise errors.PayloadTooLarge(f"A batch may hold at most {_BATCH_MAX_LINES} operations")
        if not raw.strip():
            continue
        try:
            operation = json.loads(raw)
            _apply(bucket, operation)
        except (ValueError, AttributeError):
            failed.append({"path": None, "error": "Not a JSON operation"})
        except errors.HubError as exc:
            failed.append({"path": operation.get("path"), "error": exc.message})
    return failed


def _apply(bucket: Bucket, operation: dict) -> None:
    kind, path = operation.get("type"), operation.get("path")
    if not isinstance(path, str):
        raise errors.BadRequest("path must be a string")
    validate_path_in_repo(path)
    if kind == "deleteFile":
        BucketFile.objects.filter(bucket=bucket, path=path).delete()
        return
    if kind != "addFile":
        raise errors.BadRequest(f"{kind!r} is not an operation this hub applies to buckets")
    file = XetFile.objects.filter(file_hash=str(operation.get("xetHash"))).first()
    known = file is not None and (
        BucketUpload.objects.filter(bucket=bucket, file=file).exists()
        or BucketFile.objects.filter(bucket=bucket, file=file).exists()
    )
    if not known:
        raise errors.BadRequest("No file with this xetHash was uploaded to this bucket")
    mtime = operation.get("mtime")
    BucketFile.objects.update_or_create(
        bucket=bucket, path=path,
        defaults={"file": file, "mtime": mtime if isinstance(mtime, int) else None},
    )  # fmt: skip


def bucket_files(*, bucket: Bucket, prefix: str) -> QuerySet[BucketFile]:
    found = BucketFile.objects.filter(bucket=bucket).select_related("file").order_by("path")
    return found.filter(path__startswith=prefix.rstrip("/") + "/") if prefix else found


def bucket_tree(*, bucket: Bucket, prefix: str, recursive: bool) -> list[dict]:
    """The entries under `prefix`: every file when recursive, else its files and folders."""
    base = prefix.strip("/")
    entries, folders = [], {}
    for item in bucket_files(bucket=bucket, prefix=base):
        rest = item.path[len(base) + 1 :] if base else item.path
        if recursive or "/" not in rest:
            entries.append(bucket_file_json(item))
        else:
            folder = f"{base}/{rest.split('/', 1)[0]}" if base else rest.split("/", 1)[0]
            folders.setdefault(folder, item.uploaded_at)
    entries += [
        {"type": "directory", "path": path, "uploadedAt": _iso(when)}
        for path, when in folders.items()
    ]
    return sorted(entries, key=lambda entry: entry["path"])


def bucket_paths_info(*, bucket: Bucket, paths: list) -> list[dict]:
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise errors.BadRequest("paths must be a list of strings")
    found = BucketFile.objects.filter(bucket=bucket, path__in=paths[:1000]).select_related("file")
    return [bucket_file_json(item) for item in found.order_by("path")]


def bucket_file_get(*, bucket: Bucket, path: str) -> BucketFile:
    item = BucketFile.objects.filter(bucket=bucket, path=path).select_related("file").first()
    if item is None:
        raise errors.EntryNotFound(f"Entry not found: {path}")
    return item


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def bucket_file_json(item: BucketFile) -> dict:
    mtime = datetime.fromtimestamp(item.mtime / 1000, tz=UTC) if item.mtime else None
    return {
        "type": "file",
        "path": item.path,
        "size": item.file.size,
        "xetHash": item.file.file_hash,
        "mtime": _iso(mtime),
        "uploadedAt": _iso(item.uploaded_at),
    }


def bucket_json(bucket: Bucket) -> dict:
    files = BucketFile.objects.filter(bucket=bucket).select_related("file")
    return {
        "id": bucket.bucket_id,
        "private": bucket.private,
        "createdAt": _iso(bucket.created_at),
        "size": sum(item.file.size for item in files),
        "totalFiles": files.count(),
    }
