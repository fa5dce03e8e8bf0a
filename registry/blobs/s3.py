"""LFS objects in an S3-compatible bucket (S3, MinIO, R2) through django-storages and boto3.

Objects live at `lfs/ab/cd/<sha256>`. Clients move the bytes themselves: uploads go to a
staging key through presigned PUT or UploadPart URLs, downloads come from presigned GET
URLs, so no object passes through a web process. A staged upload becomes an object only in
`adopt`, after its bytes were streamed through sha256 (by a worker).
"""

import hashlib
import os
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from functools import cached_property
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from storages.backends.s3 import S3Storage

from registry.blobs.local import BlobMismatch, check_digest, validate_oid
from registry.errors import BadRequest, NotFound

_CHUNK = 1024 * 1024
# S3's own bounds: one PUT carries at most 5 GiB, an upload has at most 10,000 parts.
MAX_SINGLE_PUT = 5 * 1024**3
MAX_PARTS = 10_000
MIN_PART = 5 * 1024**2


class BlobNotReceived(NotFound):
    code = "BlobNotReceived"


class S3BlobStore:
    """One bucket; `signer` presigns with the endpoint clients reach (it may differ from ours)."""

    direct = True

    def __init__(self, *, bucket: str, endpoint_url: str | None, public_endpoint_url: str | None,
                 access_key: str | None, secret_key: str | None, region: str,
                 link_seconds: int, cache_dir: Path):  # fmt: skip
        options = {
            "bucket_name": bucket,
            "access_key": access_key,
            "secret_key": secret_key,
            "region_name": region,
            "endpoint_url": endpoint_url,
            "querystring_expire": link_seconds,
            # Reads spool to disk past 16 MiB instead of holding a whole object in memory.
            "max_memory_size": 16 * 1024**2,
            "client_config": Config(
                signature_version="s3v4",
                # MinIO and most self-hosted stores only answer path-style requests.
                s3={"addressing_style": "path" if endpoint_url else "auto"},
                retries={"mode": "standard"},
            ),
        }
        self.bucket = bucket
        self.storage = S3Storage(**options)
        self.signer = S3Storage(**{**options, "endpoint_url": public_endpoint_url})
        self.link_seconds = link_seconds
        self.cache_dir = cache_dir

    @property
    def _client(self) -> BaseClient:
        return self.storage.connection.meta.client

    @staticmethod
    def key(oid: str) -> str:
        validate_oid(oid)
        return f"lfs/{oid[:2]}/{oid[2:4]}/{oid}"

    @staticmethod
    def staging_key(upload_id: str) -> str:
        """Where an upload lands before it is verified; `upload_id` comes from a signed link."""
        return f"staging/{uuid.UUID(hex=upload_id).hex}"

    # -- reads ------------------------------------------------------------------------

    def size(self, oid: str) -> int | None:
        return self._size(self.key(oid))

    def _size(self, key: str) -> int | None:
        try:
            return self._client.head_object(Bucket=self.bucket, Key=key)["ContentLength"]
        except ClientError as exc:
            if _status(exc) == 404:
                return None
            raise

    def exists(self, oid: str) -> bool:
        return self.size(oid) is not None

    def open(self, oid: str) -> BinaryIO:
        """A seekable file of the object's bytes (spooled from the bucket on first read)."""
        return self.storage.open(self.key(oid), "rb")

    def path(self, oid: str) -> Path:
        """A local file with the object's bytes, for workers that load models from disk.

        Downloaded once into the cache directory; a missing object gives a path that does
        not exist, as the local store does.
        """
        target = self.cache_dir / oid[:2] / oid[2:4] / oid
        size = self.size(oid)
        if size is None or (target.is_file() and target.stat().st_size == size):
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                self._client.download_fileobj(self.bucket, self.key(oid), handle)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return target

    def oids(self) -> Iterator[tuple[str, int]]:
        """Every stored object as (oid, size)."""
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix="lfs/"
        )
        for page in pages:
            for item in page.get("Contents", ()):
                yield item["Key"].rsplit("/", 1)[-1], item["Size"]

    # -- presigned links ----------------------------------------------------------------

    def download_url(self, oid: str, *, disposition: str) -> str:
        return self.signer.url(
            self.key(oid), parameters={"ResponseContentDisposition": disposition}
        )

    def upload_url(self, upload_id: str, size: int) -> str:
        """A presigned PUT of exactly `size` bytes (the length is signed) to the staging key."""
        if size > MAX_SINGLE_PUT:
            raise BadRequest(
                f"Objects over {MAX_SINGLE_PUT} bytes need the multipart transfer "
                "(huggingface_hub uses it; git-lfs does not)"
            )
        return self._presign("put_object", Key=self.staging_key(upload_id), ContentLength=size)

    @staticmethod
    def part_size(size: int, chunk: int) -> int:
        """`chunk`, grown so an upload of `size` bytes fits S3's 10,000 parts."""
        return max(chunk, MIN_PART, -(-size // MAX_PARTS))

    def multipart_start(self, upload_id: str) -> str:
        """Opens a multipart upload to the staging key; returns S3's upload id."""
        answer = self._client.create_multipart_upload(
            Bucket=self.bucket, Key=self.staging_key(upload_id)
        )
        return answer["UploadId"]

    def part_urls(self, upload_id: str, s3_upload_id: str, size: int, chunk: int) -> list[str]:
        key = self.staging_key(upload_id)
        count = max(1, -(-size // chunk))
        return [
            self._presign(
                "upload_part",
                Key=key,
                UploadId=s3_upload_id,
                PartNumber=number,
                ContentLength=min(chunk, size - (number - 1) * chunk),
            )
            for number in range(1, count + 1)
        ]

    def multipart_finish(self, upload_id: str, s3_upload_id: str,
                         parts: list[tuple[int, str]]) -> None:  # fmt: skip
        """CompleteMultipartUpload with the parts' ETags as the client received them."""
        try:
            self._client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.staging_key(upload_id),
                UploadId=s3_upload_id,
                MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in parts]},
            )
        except ClientError as exc:
            if _status(exc) in (400, 404):
                raise BadRequest(f"The multipart upload cannot be completed: {exc}") from None
            raise

    @cached_property
    def link_origin(self) -> str:
        """Scheme, host and port of the presigned links: what a page's uploads must reach."""
        parts = urlsplit(self._presign("put_object", Key=self.staging_key(uuid.uuid4().hex)))
        return f"{parts.scheme}://{parts.netloc}"

    def _presign(self, operation: str, **params) -> str:
        return self.signer.connection.meta.client.generate_presigned_url(
            operation, Params={"Bucket": self.bucket, **params}, ExpiresIn=self.link_seconds
        )

    # -- verification -------------------------------------------------------------------

    def adopt(self, upload_id: str, oid: str, size: int) -> None:
        """Stores the staged upload as object `oid` if its bytes hash to it.

        The staged bytes are always hashed, even when the object is stored already: the
        upload is the uploader's proof of having the bytes, not only their hash. The copy
        is conditional on the ETag that was hashed, so bytes swapped in through the
        presigned URL meanwhile never reach the content-addressed key. Wrong bytes are
        dropped; right ones stay staged until `discard`, so a redelivered task can redo it.
        """
        staged = self.staging_key(upload_id)
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=staged)
        except ClientError as exc:
            if _status(exc) == 404:
                raise BlobNotReceived(f"Object {oid} of {size} bytes was not received") from None
            raise
        digest, written = hashlib.sha256(), 0
        for chunk in answer["Body"].iter_chunks(_CHUNK):
            digest.update(chunk)
            written += len(chunk)
        try:
            check_digest(oid, digest.hexdigest(), written, size)
        except BlobMismatch:
            self._delete_key(staged)
            raise
        if self.size(oid) != size:
            self._client.copy(
                {"Bucket": self.bucket, "Key": staged},
                self.bucket,
                self.key(oid),
                ExtraArgs={"CopySourceIfMatch": answer["ETag"]},
            )

    def discard(self, upload_id: str) -> None:
        """Drops a staged upload (absent already is fine)."""
        self._delete_key(self.staging_key(upload_id))

    def put(self, oid: str, chunks: Iterable[bytes], *, size: int | None = None) -> int:
        """Stores `chunks` as object `oid` if their sha256 (and size) match (restores use it)."""
        validate_oid(oid)
        digest, written = hashlib.sha256(), 0
        with tempfile.TemporaryFile() as spool:
            for chunk in chunks:
                digest.update(chunk)
                spool.write(chunk)
                written += len(chunk)
            check_digest(oid, digest.hexdigest(), written, size)
            spool.seek(0)
            self._client.upload_fileobj(spool, self.bucket, self.key(oid))
        return written

    def staging_clean(self, *, before: float) -> list[str]:
        """Deletes staged uploads and aborts multipart uploads to staging made before
        `before` (a Unix time); returns what it removed. The bucket's lifecycle rule does
        the same a day on; this keeps a bucket without one clean."""
        removed = []
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix="staging/"
        )
        for page in pages:
            for item in page.get("Contents", ()):
                if item["LastModified"].timestamp() < before:
                    self._delete_key(item["Key"])
                    removed.append(item["Key"])
        answer = self._client.list_multipart_uploads(Bucket=self.bucket, Prefix="staging/")
        for upload in answer.get("Uploads", ()):
            if upload["Initiated"].timestamp() < before:
                self._client.abort_multipart_upload(
                    Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                )
                removed.append(f"{upload['Key']} (multipart)")
        return removed

    def delete(self, oid: str) -> None:
        self._delete_key(self.key(oid))
        # The workers' local copy (`path`) holds the same bytes.
        (self.cache_dir / oid[:2] / oid[2:4] / oid).unlink(missing_ok=True)

    def _delete_key(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=key)

    def check(self) -> None:
        """Raises OSError unless an object can be written, read back and removed."""
        key = f"health/{uuid.uuid4().hex}"
        try:
            self._client.put_object(Bucket=self.bucket, Key=key, Body=b"ok")
            body = self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            self._delete_key(key)
        except (BotoCoreError, ClientError) as exc:
            raise OSError(f"object storage: {exc}") from None
        if body != b"ok":
            raise OSError("object storage returned other bytes than were written")


def _status(exc: ClientError) -> int:
    return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
