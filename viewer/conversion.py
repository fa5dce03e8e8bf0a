"""A dataset's conversion, run by the viewer's task: read the files through
registry.repofiles, convert each split to Parquet shards, store them as LFS objects, commit
them to refs/convert/parquet through the commit service and record the result.

Apart from viewer.services because it brings `datasets` (and pandas): only the worker that
runs conversions imports it, not every web process at start-up."""

import contextlib
import hashlib
import logging
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from datasets import Features
from django.conf import settings

from registry import errors
from registry.blobs import blob_store
from registry.gitstore import ZERO_OID, Change, GitRepo, RefConflict
from registry.models import Repo, User
from registry.repofiles import RepoFile, repo_files_at
from registry.selectors import card_at
from registry.services.commits import LfsRef, commit_create, lfs_link, lfs_pointer_changes
from registry.services.repos import author_of
from viewer.convert import STREAMED_FORMATS, ConversionError, Source, Stream, split_convert
from viewer.folders import folder_convert
from viewer.layout import FOLDER_FORMATS, LayoutError, SplitFiles, layout_plan
from viewer.models import DatasetConversion
from viewer.services import CONVERT_REF

log = logging.getLogger(__name__)


def _converter() -> User:
    # The hub commits as itself: an unsaved user names the commit's author (the Hub's bot is
    # `parquet-converter`) without a row anyone could sign in as or take the name of.
    return User(username="parquet-converter", email="parquet-converter@users.noreply.minihub")


def conversion_run(*, repo_pk: int) -> None:
    """Converts the dataset's main as it is now; the row ends done or failed with a reason.
    A later move of main queues another run, so a run never needs to chase the head."""
    repo = Repo.objects.filter(pk=repo_pk).first()
    if repo is None:
        return
    git = GitRepo(repo.storage_id)
    sha = git.ref_target("refs/heads/main")
    if sha is None:
        return
    DatasetConversion.objects.update_or_create(
        repo=repo, defaults={"status": DatasetConversion.Status.RUNNING, "revision": sha}
    )
    work = Path(tempfile.mkdtemp(prefix="minihub-viewer-"))
    try:
        splits, features, changes = _convert(repo=repo, git=git, sha=sha, work=work)
        convert_sha = _commit(repo=repo, git=git, changes=changes)
    except (LayoutError, ConversionError) as exc:
        _record_failure(repo=repo, sha=sha, error=str(exc))
        return
    except Exception as exc:
        # Not swallowed (the worker logs it with its traceback), but the page must not say
        # "converting" for ever: the row says it failed, without internals.
        _record_failure(repo=repo, sha=sha, error=f"Internal error ({type(exc).__name__})")
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    DatasetConversion.objects.filter(repo=repo, revision=sha).update(
        status=DatasetConversion.Status.DONE, convert_sha=convert_sha, splits=splits,
        features=features, error="",
    )  # fmt: skip


def _record_failure(*, repo: Repo, sha: str, error: str) -> None:
    log.info("dataset %s at %s not converted: %s", repo.pk, sha, error)
    DatasetConversion.objects.filter(repo=repo, revision=sha).update(
        status=DatasetConversion.Status.FAILED, error=error[:2000], splits=[], features={}
    )


def _card_features(card: dict, config: str) -> Features | None:
    """The features the card's `dataset_info` declares for `config` (ClassLabel names...)."""
    infos = card.get("dataset_info")
    infos = infos if isinstance(infos, list) else [infos] if isinstance(infos, dict) else []
    for info in infos:
        if isinstance(info, dict) and info.get("config_name", "default") == config:
            try:
                return Features._from_yaml_list(info["features"])
            except (KeyError, TypeError, ValueError) as exc:
                raise ConversionError(f"The card's dataset_info features: {exc}") from None
    return None


def _local(file: RepoFile, work: Path) -> Path:
    """A local path with the file's bytes: the object store's file, or a copy of a git blob."""
    if file.lfs is not None:
        return file.local_path()
    return _git_copy(file, work)


def _source(file: RepoFile, fmt: str, work: Path) -> Source:
    """What the converter reads: a Xet file of a format read front to back is streamed
    (rebuilt from its chunks as it is read, verified at upload: never written out whole),
    others a local path. Xet-only Arrow and Parquet files are rebuilt into the object
    cache, since their readers seek."""
    if file.lfs is not None and fmt in STREAMED_FORMATS and not file.in_blob_store:
        return Stream(size=file.size, open=file.stream)
    return _local(file, work)


def _git_copy(file: RepoFile, work: Path) -> Path:
    target = work / "sources" / hashlib.sha256(file.path.encode()).hexdigest()
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        for chunk in file.chunks():
            handle.write(chunk)
    return target


def _convert(*, repo: Repo, git: GitRepo, sha: str, work: Path) -> tuple[list, dict, list]:
    snapshot = repo_files_at(repo=repo, sha=sha)
    files = {f.path: f for f in snapshot.files}
    card = card_at(git=git, sha=sha)
    plan = layout_plan(paths=sorted(files) + snapshot.missing, card=card)
    splits, features, refs = [], {}, []
    for part in plan:
        result = _split_convert(part=part, files=files, card=card, work=work)
        features.setdefault(part.config, result.features)
        entries = []
        for index, shard in enumerate(result.shards):
            filename = f"{index:04d}.parquet"
            refs.append(_shard_store(repo=repo, path=f"{part.config}/{part.split}/{filename}",
                                     shard=shard))  # fmt: skip
            entries.append({"filename": filename, "size": shard.stat().st_size})
        splits.append({
            "config": part.config, "split": part.split, "num_rows": result.num_rows,
            "num_bytes_original_files": result.num_bytes_original,
            "num_bytes_memory": result.num_bytes_memory,
            "num_bytes_parquet_files": sum(e["size"] for e in entries), "files": entries,
        })  # fmt: skip
    changes = lfs_pointer_changes(user=_converter(), repo=repo, git=git, items=refs)
    return splits, features, changes


def _split_convert(*, part: SplitFiles, files: dict, card: dict, work: Path):
    if len(part.paths) > settings.HUB_VIEWER_MAX_FILES:
        raise ConversionError(
            f"{part.config}/{part.split} has {len(part.paths)} files, over the viewer's "
            f"{settings.HUB_VIEWER_MAX_FILES}"
        )
    missing = [p for p in (*part.paths, *part.metadata) if p not in files]
    if missing:
        raise ConversionError(f"The hub does not hold the bytes of {missing[0]}")
    out = work / "shards" / part.config / part.split
    out.mkdir(parents=True, exist_ok=True)
    sources = [(p, _source(files[p], part.format, work)) for p in part.paths]
    if part.format in FOLDER_FORMATS:
        return folder_convert(
            fmt=part.format, sources=sources, labels=part.labels,
            metadata=[(p, _local(files[p], work)) for p in part.metadata],
            out_dir=out, shard_bytes=settings.HUB_VIEWER_SHARD_BYTES,
        )  # fmt: skip
    return split_convert(
        fmt=part.format,
        sources=sources,
        features=_card_features(card, part.config),
        out_dir=out,
        shard_bytes=settings.HUB_VIEWER_SHARD_BYTES,
    )


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            yield chunk


def _shard_store(*, repo: Repo, path: str, shard: Path) -> LfsRef:
    """Stores the shard as an LFS object linked to the repo (the commit then names it)."""
    digest = hashlib.sha256()
    for chunk in _file_chunks(shard):
        digest.update(chunk)
    oid, size = digest.hexdigest(), shard.stat().st_size
    blob_store().put(oid, _file_chunks(shard), size=size)
    # Derived by the hub, not uploaded by the namespace: outside its storage quota.
    lfs_link(repo=repo, oid=oid, size=size, quota_exempt=True)
    return LfsRef(path=path, oid=oid, size=size)


def _commit(*, repo: Repo, git: GitRepo, changes: list[Change]) -> str:
    """Replaces the content of refs/convert/parquet with `changes`, through the commit
    service; the ref starts as an empty root commit, as the Hub's starts from none of main's
    files."""
    _convert_ref_ensure(git)
    head = git.ref_target(CONVERT_REF)
    stale = [Change("delete_file", entry.path) for entry in git.list_tree(head)]
    return commit_create(
        user=_converter(), repo=repo, git=git, ref=CONVERT_REF, parent_commit=None,
        changes=stale + changes, message="Update parquet files",
    )  # fmt: skip


def _convert_ref_ensure(git: GitRepo) -> None:
    if git.ref_target(CONVERT_REF) is not None:
        return
    root = git.write_commit(
        parent=None, changes=[], message="Parquet conversion", author=author_of(_converter())
    )
    with git.write_lock(), contextlib.suppress(RefConflict):  # another run created it first
        git.update_ref(CONVERT_REF, root, ZERO_OID)
    if git.ref_target(CONVERT_REF) is None:
        raise errors.Conflict(f"Cannot create {CONVERT_REF}")
