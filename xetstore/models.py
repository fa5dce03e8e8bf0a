"""What the Xet store knows: the xorbs it holds and the files registered from shards.

A xorb's bytes live in object storage (`xetstore.storage`); its row holds the chunk index
that reconstructions and shard checks read, so neither reopens the object.
"""

from django.db import models
from django.db.models.functions import Lower


class Xorb(models.Model):
    # The Xet string form of the xorb hash, as in URLs and JSON.
    hash = models.CharField(max_length=64, primary_key=True)
    serialized_len = models.IntegerField()
    raw_len = models.BigIntegerField()
    chunk_count = models.IntegerField()
    # xetstore.xorb.pack_index: per chunk its hash, raw length, offset and serialized length.
    index = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)


class XetFile(models.Model):
    """A file registered from a shard, its sha256 computed from its bytes by the store."""

    file_hash = models.CharField(max_length=64, primary_key=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)


class XetFileTerm(models.Model):
    """A run of chunks `[start, end)` of a xorb: a file is its terms in `position` order."""

    file = models.ForeignKey(XetFile, on_delete=models.CASCADE, related_name="terms")
    position = models.IntegerField()
    # A stored xorb stays while a file needs it.
    xorb = models.ForeignKey(Xorb, on_delete=models.PROTECT, related_name="+")
    start = models.IntegerField()
    end = models.IntegerField()
    # Plain bytes of the term: reconstructions skip terms outside a range without the index.
    size = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint("file", "position", name="xet_file_term_unique"),
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="xet_term_nonempty"
            ),
        ]


class DedupChunk(models.Model):
    """A chunk hf_xet may ask about (`GET /v1/chunks/...`) and a xorb that holds it: the first
    chunk of each file, and chunks whose hash is 0 modulo 1024 (the client's rule)."""

    chunk_hash = models.CharField(max_length=64)
    xorb = models.ForeignKey(Xorb, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint("chunk_hash", "xorb", name="xet_dedup_chunk_unique")]


class XetUpload(models.Model):
    """A file registered through a pull-request token (its user may not write the repo).

    It is not linked to the repo: a link makes an object servable by every ref of the repo
    and reusable by everyone who reads it. Only a commit of that same user to that repo
    links it (registry.services.commits), and then a ref of the repo does reference it.
    """

    user = models.ForeignKey("registry.User", on_delete=models.CASCADE, related_name="+")
    repo = models.ForeignKey("registry.Repo", on_delete=models.CASCADE, related_name="+")
    file = models.ForeignKey(XetFile, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("user", "repo", "file", name="xet_upload_unique")]


class Bucket(models.Model):
    """A Storage Bucket: files by path in the Xet store, no git and no history. Private ones
    are for the members of their namespace; writing needs write access to it."""

    namespace = models.ForeignKey("registry.Namespace", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=96)
    private = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("namespace", Lower("name"), name="bucket_name_ci_unique")
        ]

    @property
    def bucket_id(self) -> str:
        return f"{self.namespace.name}/{self.name}"


class BucketFile(models.Model):
    """A path of a bucket and the stored file it holds now."""

    bucket = models.ForeignKey(Bucket, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=1000)
    file = models.ForeignKey(XetFile, on_delete=models.PROTECT, related_name="+")
    # The uploader's modification time (milliseconds since the epoch, as the client sends).
    mtime = models.BigIntegerField(null=True)
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint("bucket", "path", name="bucket_file_unique")]


class BucketUpload(models.Model):
    """A file registered through a bucket's write token: what that bucket's batch may add
    (besides files already in it), as XetUpload is for pull requests."""

    bucket = models.ForeignKey(Bucket, on_delete=models.CASCADE, related_name="+")
    file = models.ForeignKey(XetFile, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("bucket", "file", name="bucket_upload_unique")]
