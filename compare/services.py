"""Writes: the tensor data diff of a changed safetensors file, asked for and then computed by a
worker (`minihub.compare_tensors`), once per pair of objects."""

import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from compare.files import FileChange
from compare.models import TensorDiff
from compare.tensors import header_diff, tensor_stats
from registry import errors
from registry.gitstore import GitRepo
from registry.models import AccessToken, Repo, User
from registry.repofiles import repo_file_at, repo_file_open
from registry.safetensors import SafetensorsError, read_header
from workers.compare import tensor_diff_enqueue

State = TensorDiff.State
# The worker writes its progress at most this often.
PROGRESS_SECONDS = 0.25


def tensor_diff_request(
    *, user: User, token: AccessToken | None, repo: Repo, base: str, head: str, path: str
) -> TensorDiff:
    """The data diff of `path` from commit `base` to `head`: the cached one for this pair of
    objects, or a new one queued (a failed one is queued again). Signed-in readers only:
    each asks a worker to read two files whole."""
    if not user.is_authenticated:
        raise errors.AuthenticationRequired()
    if not path.endswith(".safetensors"):
        raise errors.BadRequest(f"{path} is not a safetensors file")
    sides = [
        repo_file_open(user=user, token=token, repo=repo, rev=sha, path=path)
        for sha in (base, head)
    ]
    pair = FileChange(path=path, status="modified", base=sides[0].entry, head=sides[1].entry)
    base_object, head_object = pair.object_key
    if base_object == head_object:
        raise errors.BadRequest(f"{path} is the same file in both revisions")
    fields = {"repo": repo, "path": path, "base_sha": sides[0].sha, "head_sha": sides[1].sha}
    diff, created = _get_or_create(base_object, head_object, fields)
    if created or diff.state == State.FAILED:
        TensorDiff.objects.filter(pk=diff.pk).update(
            **fields, state=State.QUEUED, error="", done_bytes=0, results=[]
        )
        diff.refresh_from_db()
        tensor_diff_enqueue(diff.pk, unreachable=lambda error: _fail(diff.pk, error))
    return diff


def _get_or_create(base_object: str, head_object: str, fields: dict) -> tuple[TensorDiff, bool]:
    key = {"base_object": base_object, "head_object": head_object}
    try:
        with transaction.atomic():
            return TensorDiff.objects.create(**key, **fields), True
    except IntegrityError:
        # Another reader asked for the same pair first: theirs is the one.
        return TensorDiff.objects.get(**key), False


def tensor_diff_run(*, pk: int) -> None:
    """Computes a queued data diff (the worker's side). A redelivered task whose first worker
    died computes it again: the result depends only on the two objects."""
    claimed = TensorDiff.objects.filter(pk=pk, state__in=[State.QUEUED, State.RUNNING]).update(
        state=State.RUNNING, done_bytes=0
    )
    if not claimed:
        return
    diff = TensorDiff.objects.select_related("repo").get(pk=pk)
    try:
        results = _compute(diff)
    except (SafetensorsError, errors.HubError, OSError) as error:
        _fail(pk, str(error))
        return
    _finish(pk, state=State.SUCCEEDED, results=results)


def _fail(pk: int, error: str) -> None:
    """A failed diff is queued again the next time someone asks for it."""
    _finish(pk, state=State.FAILED, error=error)


def _finish(pk: int, **fields: object) -> None:
    TensorDiff.objects.filter(pk=pk).update(**fields, finished_at=timezone.now())


def _compute(diff: TensorDiff) -> list[dict]:
    git = GitRepo(diff.repo.storage_id)
    sides = [
        repo_file_at(repo=diff.repo, git=git, sha=sha, path=diff.path)
        for sha in (diff.base_sha, diff.head_sha)
    ]
    with sides[0].open() as base, sides[1].open() as head:
        headers = [read_header(handle.read, file_size=side.size) for handle, side in
                   ((base, sides[0]), (head, sides[1]))]  # fmt: skip
        pairs = header_diff(*headers).comparable
        progress = _Progress(diff.pk, total=sum(old.end - old.start for old, _ in pairs))
        stats = [
            tensor_stats(
                base,
                head,
                ((old, headers[0].data_start), (new, headers[1].data_start)),
                block_bytes=settings.HUB_COMPARE_BLOCK_BYTES,
                progress=progress.add,
            )
            for old, new in pairs
        ]
    progress.flush()
    return [item.as_dict() for item in stats]


class _Progress:
    """Bytes compared so far, written to the row every PROGRESS_SECONDS for the page to poll."""

    def __init__(self, pk: int, *, total: int):
        self.pk, self.done, self.written_at = pk, 0, 0.0
        TensorDiff.objects.filter(pk=pk).update(total_bytes=total)

    def add(self, length: int) -> None:
        self.done += length
        if time.monotonic() - self.written_at >= PROGRESS_SECONDS:
            self.flush()

    def flush(self) -> None:
        self.written_at = time.monotonic()
        TensorDiff.objects.filter(pk=self.pk).update(done_bytes=self.done)
