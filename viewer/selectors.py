"""The dataset viewer's reads: a visible dataset's conversion, its splits, and the local paths
of a split's shards (for a caller the permission module lets download the dataset's files,
resolved through registry.repofiles' ownership rule, as for any download)."""

import threading

from registry import errors
from registry.gitstore import GitRepo
from registry.models import AccessToken, Repo, User
from registry.permissions import Action, Actor, require
from registry.repofiles import repo_file_at
from registry.selectors import repo_get_visible
from viewer import query
from viewer.models import DatasetConversion

CONVERT_REVISION = "refs/convert/parquet"


class ResponseNotReady(errors.HubError):
    # The Hub's answer while a dataset is being processed; clients retry later.
    status = 500
    code = "ResponseNotReady"
    message = (
        "The server is busier than usual and the response is not ready yet. Please retry later."
    )


class DatasetConversionFailed(errors.HubError):
    status = 500
    code = "DatasetGenerationError"


class SplitNotFound(errors.NotFound):
    code = "ConfigNamesError"


def dataset_get_visible(*, user: User, dataset: str | None) -> Repo:
    """The dataset `namespace/name` if the caller sees it; a 404 as for a missing one."""
    if not dataset or dataset.count("/") != 1:
        raise errors.BadRequest("Parameter 'dataset' is required: namespace/name")
    namespace, name = dataset.split("/")
    return repo_get_visible(user=user, repo_type=Repo.Type.DATASET, namespace=namespace, name=name)


def conversion_of(repo: Repo) -> DatasetConversion | None:
    conversion = DatasetConversion.objects.filter(repo=repo).first()
    if conversion is not None:
        conversion.repo = repo  # the row already read: no second query for it
    return conversion


def conversion_done(repo: Repo) -> DatasetConversion:
    """The dataset's finished conversion at main's head, or the error the viewer answers."""
    conversion = conversion_of(repo)
    if conversion is None or conversion.status in (
        DatasetConversion.Status.PENDING, DatasetConversion.Status.RUNNING,
    ):  # fmt: skip
        raise ResponseNotReady()
    if conversion.status == DatasetConversion.Status.FAILED:
        raise DatasetConversionFailed(conversion.error or "The dataset could not be converted")
    return conversion


def split_of(conversion: DatasetConversion, config: str | None, split: str | None) -> dict:
    for entry in conversion.splits:
        if entry["config"] == config and entry["split"] == split:
            return entry
    raise SplitNotFound(f"No split {split!r} in config {config!r}")


def configs_of(conversion: DatasetConversion) -> list[str]:
    return list(dict.fromkeys(entry["config"] for entry in conversion.splits))


# (repo storage id, convert commit, config, split) -> its shards. A conversion's commit never
# changes (a new conversion is a new commit), so entries never go stale; they only go when a
# file vanished (storage cleaned) or the cache is full.
_shards: dict[tuple[str, str, str, str], query.SplitShards] = {}
_shards_lock = threading.Lock()
SHARDS_CACHED = 1024


def split_shards(
    *, user: User, token: AccessToken | None, conversion: DatasetConversion, split: dict
) -> query.SplitShards:
    """The split's shards as local files with the row each starts at, for a caller who may
    read the dataset's files (the permission module's DOWNLOAD rule, asked on every call:
    a gated dataset's rows need access to its files). Which objects the shards are (the
    ownership rule of registry.repofiles) is resolved once per conversion commit."""
    repo = conversion.repo
    require(Actor(user, token), Action.DOWNLOAD, repo=repo)
    key = (repo.storage_id, conversion.convert_sha, split["config"], split["split"])
    cached = _shards.get(key)
    if cached is not None and all(path.exists() for path in cached.paths):
        return cached
    resolved = _shards_resolve(conversion=conversion, split=split)
    with _shards_lock:
        if len(_shards) >= SHARDS_CACHED:
            _shards.clear()
        _shards[key] = resolved
    return resolved


def _shards_resolve(*, conversion: DatasetConversion, split: dict) -> query.SplitShards:
    git = GitRepo(conversion.repo.storage_id)
    paths = []
    for file in split["files"]:
        path = f"{split['config']}/{split['split']}/{file['filename']}"
        opened = repo_file_at(repo=conversion.repo, git=git, sha=conversion.convert_sha, path=path)
        paths.append(opened.local_path())
    return query.split_shards_of(paths)
