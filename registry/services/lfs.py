"""Git LFS: which objects a batch may upload or download, and the signed links that carry them."""

import math
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db import transaction
from django.db.models import Sum

from registry import errors
from registry.blobs import blob_store
from registry.blobs.local import validate_oid
from registry.gitstore import GitRepo, RefConflict
from registry.gitstore.lfs_history import pointer_paths, rewrite_without
from registry.models import (
    AccessToken,
    LfsObject,
    Membership,
    Namespace,
    Repo,
    User,
    live_tokens,
)
from registry.permissions import Action, Actor, files_readable, require
from registry.services.commits import lfs_link
from registry.services.limits import object_size_check, storage_quota_check
from registry.services.objects import object_stored
from registry.services.repos import repo_refresh
from workers.lfs import staged_upload_adopt
from xetstore.models import XetFile, XetUpload

_UPLOAD_SALT = "minihub.lfs.upload"
_DOWNLOAD_SALT = "minihub.lfs.download"


def sign_upload(*, repo: Repo, oid: str, size: int, upload: str | None = None,
                s3_upload: str | None = None, through_hub: bool = False) -> str:  # fmt: skip
    """The token of an upload's links; `upload` names its staging area, `s3_upload` the
    bucket's multipart upload; `through_hub`: the hub takes the bytes even with a bucket."""
    claims = {"r": repo.pk, "o": oid, "s": size, "u": upload or uuid.uuid4().hex}
    if s3_upload is not None:
        claims["m"] = s3_upload
    if through_hub:
        claims["h"] = 1
    return signing.dumps(claims, salt=_UPLOAD_SALT)


def sign_download(*, repo: Repo, oid: str, user: User, token: AccessToken | None) -> str:
    """A download link for `oid` in `repo`, for `user` through `token`: both are checked
    again when it is used, so a link stops working when the repo turns private, the user
    loses access or the token is revoked, not only when it expires."""
    user_pk = user.pk if user.is_authenticated else None
    claims = {"r": repo.pk, "o": oid, "u": user_pk, "t": token.pk if token else None}
    return signing.dumps(claims, salt=_DOWNLOAD_SALT)


def _load(token: str, salt: str, oid: str) -> dict:
    try:
        claims = signing.loads(token, salt=salt, max_age=settings.HUB_LFS_LINK_SECONDS)
    except signing.SignatureExpired:
        raise errors.Forbidden(
            "This LFS link has expired; ask the batch API for a new one"
        ) from None
    except signing.BadSignature:
        raise errors.Forbidden("This LFS link is not valid") from None
    if claims["o"] != oid:
        raise errors.Forbidden("This LFS link is for another object")
    return claims


def _object(item: dict) -> tuple[str, int]:
    oid, size = item.get("oid"), item.get("size")
    validate_oid(oid)
    if not isinstance(size, int) or size < 0:
        raise errors.BadRequest(f"Object {oid}: size must be a non-negative integer")
    return oid, size


def batch(
    *,
    user: User,
    token: AccessToken | None,
    repo: Repo,
    operation: str,
    objects: list[dict],
    links: Callable[[str, str, int], dict],
) -> list[dict]:
    """The batch API's per-object answers; `links(kind, oid, size)` builds the action dicts."""
    parsed = [_object(item) for item in objects]
    if operation == "upload":
        require(Actor(user, token), Action.WRITE, repo=repo)
        for oid, size in parsed:
            object_size_check(oid=oid, size=size)
        storage_quota_check(namespace=repo.namespace, objects=parsed)
    elif operation == "download":
        require(Actor(user, token), Action.DOWNLOAD, repo=repo)
    else:
        raise errors.BadRequest(f"Unknown LFS operation '{operation}'")
    answers = []
    for oid, size in parsed:
        answer = {"oid": oid, "size": size, "authenticated": True}
        if operation == "upload":
            if not lfs_reachable(user=user, repo=repo, oid=oid, size=size):
                answer["actions"] = links("upload", oid, size)
        elif lfs_object_servable(repo=repo, oid=oid, size=size):
            answer["actions"] = links("download", oid, size)
        else:
            answer["error"] = {"code": 404, "message": f"Object {oid} does not exist"}
        answers.append(answer)
    return answers


def lfs_reachable(*, user: User, repo: Repo, oid: str, size: int) -> bool:
    """True when `repo` may reference the object: stored, and readable by `user` already.

    Decides which uploads to skip and which LFS pointers a git push may bring. An object
    stored only for repos the user cannot read must be uploaded again: the upload
    proves the caller has the bytes, not just their hash.
    """
    if not object_stored(oid=oid, size=size):
        return False
    readable = files_readable(user)
    if not LfsObject.objects.filter(oid=oid, repo__in=readable).exists():
        return False
    lfs_link(repo=repo, oid=oid, size=size)
    return True


def multipart_plan(size: int) -> int | None:
    """The part size for an upload of `size` bytes, or None for a single PUT."""
    if size < settings.HUB_LFS_MULTIPART_THRESHOLD:
        return None
    return settings.HUB_LFS_MULTIPART_CHUNK_SIZE


@dataclass(frozen=True)
class UploadPlan:
    """How one object travels: through the hub's signed routes, or straight to the bucket."""

    token: str  # signs the verify link (and the completion link of a multipart upload)
    chunk: int | None  # the part size of a multipart upload; None for a single PUT
    put_url: str | None = None  # the bucket's presigned PUT (direct stores)
    part_urls: list[str] | None = None  # the bucket's presigned UploadPart URLs (direct stores)


def upload_plan(
    *, repo: Repo, oid: str, size: int, multipart: bool, through_hub: bool = False
) -> UploadPlan:
    """Signs an upload of object `oid` to `repo`; `multipart` when the client can do it;
    `through_hub` for a caller that cannot reach the bucket (a job): one PUT to the hub,
    which stores the bytes in the bucket once they hash to `oid`."""
    store = blob_store()
    if store.direct and through_hub:
        return UploadPlan(sign_upload(repo=repo, oid=oid, size=size, through_hub=True), None)
    chunk = multipart_plan(size) if multipart else None
    if not store.direct:
        return UploadPlan(sign_upload(repo=repo, oid=oid, size=size), chunk)
    upload_id = uuid.uuid4().hex
    if chunk is None:
        signed = sign_upload(repo=repo, oid=oid, size=size, upload=upload_id)
        return UploadPlan(signed, None, put_url=store.upload_url(upload_id, size))
    chunk = store.part_size(size, chunk)
    s3_upload = store.multipart_start(upload_id)
    signed = sign_upload(repo=repo, oid=oid, size=size, upload=upload_id, s3_upload=s3_upload)
    return UploadPlan(signed, chunk, part_urls=store.part_urls(upload_id, s3_upload, size, chunk))


def download_url(*, oid: str, size: int) -> str | None:
    """The bucket's presigned GET for a batch download, or None: the hub serves it (always
    for an object only the Xet store holds)."""
    store = blob_store()
    if not store.direct or store.size(oid) != size:
        return None
    return store.download_url(oid, disposition="attachment")


def part_count(size: int, chunk: int) -> int:
    return max(1, math.ceil(size / chunk))


def _require_local() -> None:
    if blob_store().direct:
        raise errors.BadRequest(
            "This hub takes uploads straight to object storage: ask the batch API for a new link"
        )


def upload_receive(*, signed: str, oid: str, chunks: Iterable[bytes]) -> None:
    """Stores a single-PUT upload after checking its size and sha256."""
    claims = _load(signed, _UPLOAD_SALT, oid)
    if not claims.get("h"):
        _require_local()
    blob_store().put(oid, chunks, size=claims["s"])
    lfs_link(repo=Repo.objects.get(pk=claims["r"]), oid=oid, size=claims["s"])


def part_receive(*, signed: str, oid: str, number: int, chunks: Iterable[bytes]) -> str:
    """Stages part `number` if it has exactly the size the plan gave it (the last part
    holds the rest); returns its ETag."""
    claims = _load(signed, _UPLOAD_SALT, oid)
    _require_local()
    chunk = multipart_plan(claims["s"]) or max(claims["s"], 1)
    count = part_count(claims["s"], chunk)
    if not 1 <= number <= count:
        raise errors.BadRequest(f"Part {number} is out of range")
    size = chunk if number < count else claims["s"] - (count - 1) * chunk
    return blob_store().put_part(claims.get("u"), number, chunks, size=size)


def uploads_abandoned_clean() -> list[str]:
    """Removes uploads staged longer ago than an upload link lives (HUB_LFS_LINK_SECONDS):
    no client can finish them any more. Returns what was removed."""
    before = time.time() - settings.HUB_LFS_LINK_SECONDS
    return blob_store().staging_clean(before=before)


def multipart_complete(*, signed: str, oid: str, parts: list[dict]) -> None:
    claims = _load(signed, _UPLOAD_SALT, oid)
    try:
        ordered = sorted((int(p["partNumber"]), str(p["etag"])) for p in parts)
    except (KeyError, TypeError, ValueError):
        raise errors.BadRequest("parts must be a list of {partNumber, etag}") from None
    store = blob_store()
    if store.direct:
        # The bucket checks the parts; the bytes are verified when the client asks to verify.
        if "m" not in claims:
            raise errors.BadRequest("This link is not for a multipart upload")
        store.multipart_finish(claims.get("u"), claims["m"], ordered)
        return
    chunk = multipart_plan(claims["s"]) or max(claims["s"], 1)
    if [n for n, _ in ordered] != list(range(1, part_count(claims["s"], chunk) + 1)):
        raise errors.BadRequest("Every part must be listed exactly once")
    store.complete_multipart(claims.get("u"), oid, claims["s"], ordered)
    lfs_link(repo=Repo.objects.get(pk=claims["r"]), oid=oid, size=claims["s"])


def upload_claims(*, signed: str, oid: str) -> Repo:
    """The repo a signed upload link was issued for (its verify link carries the same token)."""
    repo = Repo.objects.filter(pk=_load(signed, _UPLOAD_SALT, oid)["r"]).first()
    if repo is None:
        raise errors.NotFound("This LFS link's repository no longer exists")
    return repo


def verify(*, repo: Repo, oid: str, size: int, signed: str | None = None) -> None:
    """Succeeds once the object is stored and linked to `repo`.

    With a bucket, an upload arrives in a staging key: a worker streams it through sha256
    and only then copies it to its content-addressed key and links it (this call waits).
    """
    if lfs_object_servable(repo=repo, oid=oid, size=size):
        return
    if not blob_store().direct or not signed:
        raise errors.NotFound(f"Object {oid} of {size} bytes was not received")
    claims = _load(signed, _UPLOAD_SALT, oid)
    if claims["s"] != size:
        raise errors.BadRequest(f"Object {oid} was announced as {claims['s']} bytes, not {size}")
    staged_upload_adopt(repo_pk=claims["r"], oid=oid, size=size, upload=claims.get("u"))


def staged_adopt(*, repo_pk: int, oid: str, size: int, upload: str) -> None:
    """Verifies staged upload `upload` as object `oid` and links it to the repo.

    Idempotent, for redelivered tasks. Raises a HubError when the bytes are wrong or absent.
    """
    repo = Repo.objects.filter(pk=repo_pk).first()
    if repo is None:
        raise errors.NotFound("This LFS link's repository no longer exists")
    store = blob_store()
    if not lfs_object_servable(repo=repo, oid=oid, size=size):  # else: a redelivered task
        store.adopt(upload, oid, size)
        lfs_link(repo=repo, oid=oid, size=size)
    store.discard(upload)


def download_claims(*, signed: str, oid: str) -> int:
    """The object's size, if the repo a signed download link was issued for still
    references it and the link's holder may still download from it."""
    claims = _load(signed, _DOWNLOAD_SALT, oid)
    repo = Repo.objects.filter(pk=claims["r"]).first()
    if repo is None:
        raise errors.NotFound(f"Object {oid} does not exist")
    require(_link_actor(claims), Action.DOWNLOAD, repo=repo)
    linked = LfsObject.objects.filter(repo_id=claims["r"], oid=oid).first()
    if linked is None:
        raise errors.NotFound(f"Object {oid} does not exist")
    return linked.size


def _link_actor(claims: dict) -> Actor:
    users = User.objects.filter(is_active=True)
    user = users.filter(pk=claims.get("u")).first() if claims.get("u") else AnonymousUser()
    live = live_tokens().filter(pk=claims.get("t")) if claims.get("t") else None
    token = live.first() if live is not None else None
    if user is None or (claims.get("t") and token is None):
        raise errors.Forbidden("This LFS link's token or account is no longer valid")
    return Actor(user, token)


def lfs_object_servable(*, repo: Repo, oid: str, size: int) -> bool:
    """Whether a pointer in `repo` may be answered with the object's bytes.

    A pointer only reaches objects linked to its repo, whatever wrote it (API, push, or a
    pointer committed as a plain file), so knowing a hash never opens another repo's bytes.
    """
    linked = LfsObject.objects.filter(repo=repo, oid=oid, size=size).exists()
    return linked and object_stored(oid=oid, size=size)


@dataclass(frozen=True)
class LfsFile:
    """One object a repo references, with a path and ref where its history holds it."""

    oid: str
    size: int
    pushed_at: datetime
    filename: str
    ref: str | None


def lfs_files_list(
    *, user: User, token: AccessToken | None, repo: Repo, git: GitRepo
) -> list[LfsFile]:
    """The repo's LFS objects, newest first, for its writers (who free storage with
    `lfs_files_delete`). An object no commit names has an empty filename and no ref."""
    require(Actor(user, token), Action.WRITE, repo=repo)
    where = pointer_paths(git)
    rows = LfsObject.objects.filter(repo=repo).order_by("-created_at", "oid")
    return [
        LfsFile(row.oid, row.size, row.created_at, *where.get(row.oid, ("", None))) for row in rows
    ]


def lfs_files_delete(*, user: User, token: AccessToken | None, repo: Repo, git: GitRepo,
                     oids: list[str], rewrite_history: bool) -> None:  # fmt: skip
    """Unlinks objects from the repo for good; their bytes leave the stores once no repo
    links them. With `rewrite_history`, every branch, tag and pull request is rewritten
    without their pointers first; without it, pointers left in history read as missing."""
    require(Actor(user, token), Action.WRITE, repo=repo)
    if not isinstance(oids, list) or not oids:
        raise errors.BadRequest("deletions.sha must be a non-empty list of sha256 object ids")
    wanted = {validate_oid(oid) for oid in oids}
    if rewrite_history:
        _history_rewrite(repo=repo, git=git, oids=wanted)
    with transaction.atomic():
        LfsObject.objects.filter(repo=repo, oid__in=wanted).delete()
        # A pull-request upload waiting for its uploader's commit would link it again.
        XetUpload.objects.filter(repo=repo, file__sha256__in=wanted).delete()
    for oid in wanted:
        _bytes_release(oid)


def _history_rewrite(*, repo: Repo, git: GitRepo, oids: set[str]) -> None:
    with git.write_lock():
        moves = rewrite_without(git, oids)
        for ref, (old, new) in moves.items():
            try:
                git.update_ref(ref, new, old)
            except RefConflict:
                raise errors.Conflict(f"{ref} moved during the rewrite; please retry") from None
    if "refs/heads/main" in moves:
        repo_refresh(repo=repo, git=git)


def _bytes_release(oid: str) -> None:
    """Deletes an object's bytes if no repo links it any more. Blobs are content-addressed
    and shared: one repo's deletion must never take bytes another repo still links.

    Only the Xet file (its sha256 -> chunks index) goes, not its xorbs: their chunks may
    belong to other files, and hf_xet's local cache names them in later uploads."""
    if LfsObject.objects.filter(oid=oid).exists():
        return
    blob_store().delete(oid)
    (settings.HUB_DATA_DIR / "xet-cache" / oid[:2] / oid[2:4] / oid).unlink(missing_ok=True)
    if not XetUpload.objects.filter(file__sha256=oid).exists():
        XetFile.objects.filter(sha256=oid).delete()


@dataclass(frozen=True)
class RepoStorage:
    repo: Repo
    storage: int  # LFS bytes the repo links
    percent: float  # of the namespace's total


def repos_storage_list(*, user: User, namespace_name: str | None) -> list[RepoStorage]:
    """The repos of the caller's namespace, or of an organization they belong to, with the
    LFS bytes each holds (`hf repos ls`), most recently updated first."""
    if not user.is_authenticated:
        raise errors.AuthenticationRequired()
    namespace = user.namespace
    if namespace_name is not None:
        namespace = Namespace.objects.filter(name__iexact=namespace_name).first()
        member = Membership.objects.filter(org__namespace=namespace, user=user).exists()
        if namespace is None or not (member or namespace.pk == user.namespace_id):
            raise errors.NotFound(f"Organization {namespace_name[:60]} not found")
    repos = list(
        Repo.objects.filter(namespace=namespace)
        .select_related("namespace")
        .annotate(storage=Sum("lfs_objects__size"))
        .order_by("-last_modified", "-id")
    )
    total = sum(repo.storage or 0 for repo in repos) or 1
    return [RepoStorage(r, r.storage or 0, 100 * (r.storage or 0) / total) for r in repos]
