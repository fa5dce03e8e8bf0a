"""The dataset viewer's reads: a visible dataset's conversion, its splits, and the local paths
of a split's shards (read through registry.repofiles, so visibility, gating and object
ownership are checked as for any download)."""

from pathlib import Path

from registry import errors
from registry.models import AccessToken, Repo, User
from registry.repofiles import repo_file_open
from registry.selectors import repo_get_visible
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
    return DatasetConversion.objects.filter(repo=repo).first()


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


def shard_paths(
    *, user: User, token: AccessToken | None, conversion: DatasetConversion, split: dict
) -> list[Path]:
    """The split's shards as local files, opened for the caller (a gated dataset's rows
    need access to its files)."""
    paths = []
    for file in split["files"]:
        path = f"{split['config']}/{split['split']}/{file['filename']}"
        opened = repo_file_open(
            user=user, token=token, repo=conversion.repo, rev=conversion.convert_sha, path=path
        )
        paths.append(opened.local_path())
    return paths
