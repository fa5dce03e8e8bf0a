"""The data side of a job: a dataset repo at a commit as a local directory, loaded with
`datasets` (parquet, csv or json files; the card's `configs` apply), and its labels."""

import os
import re
import shutil
import tempfile
from pathlib import Path

from django.conf import settings

from evaluation.errors import ColumnMissing, DatasetUnreadable, LabelMismatch
from registry.models import Repo
from registry.repofiles import RepoFile, repo_files_at

_GENERIC_LABEL = re.compile(r"LABEL_\d+")


def snapshot(*, storage_id: str, sha: str, repo_id: str) -> Path:
    """The repo's files at `sha` under HUB_DATA_DIR/evaluation/snapshots, LFS files linked.

    Like inference.pipelines' model snapshots, but every file must be there: a data file
    missing from the blob store fails the job instead of quietly shrinking the dataset.
    """
    folder = settings.HUB_DATA_DIR / "evaluation" / "snapshots" / storage_id / sha
    if folder.is_dir():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".building-"))
    try:
        files = repo_files_at(repo=Repo.objects.get(storage_id=storage_id), sha=sha)
        if files.missing:
            raise DatasetUnreadable(
                f"Dataset {repo_id}: the bytes of {files.missing[0]} are missing from storage"
            )
        for file in files.files:
            _place(file, building / file.path, repo_id)
        os.rename(building, folder)
    except (OSError, DatasetUnreadable):
        shutil.rmtree(building, ignore_errors=True)
        if not folder.is_dir():  # another worker may have won the rename: theirs is as good
            raise
    return folder


def _place(file: RepoFile, target: Path, repo_id: str) -> None:
    """The file at `target`: an LFS object hard-linked from the store, a git blob written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if file.lfs is None:
        with target.open("wb") as handle:
            for chunk in file.chunks():
                handle.write(chunk)
        return
    source = file.local_path()
    if not source.is_file():  # removed from storage since the snapshot was listed
        raise DatasetUnreadable(
            f"Dataset {repo_id}: the bytes of {file.path} are missing from storage"
        )
    try:
        os.link(source, target)
    except OSError:
        target.symlink_to(source)


def load(*, folder: Path, repo_id: str, config: str, split: str):
    """The split as a `datasets.Dataset`, read from `folder` alone (no network)."""
    import datasets
    from datasets.exceptions import DatasetsError

    datasets.disable_progress_bars()
    cache_dir = settings.HUB_DATA_DIR / "evaluation" / "datasets-cache"
    try:
        return datasets.load_dataset(
            str(folder),
            # "default" is whatever the card's `configs` make the default (or the only one).
            name=None if config == "default" else config,
            split=split,
            cache_dir=str(cache_dir),
        )
    except (DatasetsError, ValueError, OSError) as exc:
        message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else repr(exc)
        raise DatasetUnreadable(
            f"Cannot load {repo_id} (config {config}, split {split}): {message}"
        ) from None


def select(dataset, *, columns: dict[str, str], limit: int | None, seed: int, repo_id: str):
    """Only the mapped columns (`a.b` reaches into a struct column), sampled to `limit` rows.

    The sample is a seeded shuffle: the same seed picks the same rows.
    """
    wanted = sorted(set(columns.values()))
    if any(name not in dataset.column_names for name in wanted):
        dataset = dataset.flatten()
    missing = [name for name in wanted if name not in dataset.column_names]
    if missing:
        raise ColumnMissing(
            f"Dataset {repo_id} has no column {', '.join(missing)}; "
            f"its columns are: {', '.join(dataset.column_names)}"
        )
    dataset = dataset.select_columns(wanted)
    if limit is not None and limit < len(dataset):
        dataset = dataset.shuffle(seed=seed).select(range(limit)).flatten_indices()
    return dataset


class Labels:
    """The dataset's labels, and the model's class ids spelled as the dataset spells them.

    Model labels match dataset labels by name (ignoring case); a model with generic names
    (LABEL_0, LABEL_1, ...) matches a dataset's ClassLabel names by position, and a dataset
    of plain integers matches the model's class ids.
    """

    def __init__(self, dataset, column: str, id2label: dict, *, sequence: bool):
        feature = dataset.features[column]
        self.inner = getattr(feature, "feature", feature) if sequence else feature
        self.names = getattr(self.inner, "names", None)
        self.integers = self.names is None and str(getattr(self.inner, "dtype", "")).startswith(
            ("int", "uint")
        )
        id2label = {int(i): str(name) for i, name in id2label.items()}
        if self.integers:
            self.model = {i: str(i) for i in id2label}
            return
        names = self.names or sorted(_values(dataset[column], sequence))
        self.model = _match(id2label, names, by_position=self.names is not None)

    def gold(self, value) -> str:
        if self.names is not None:
            return self.names[int(value)]
        return str(value)


def _values(column: list, sequence: bool) -> set[str]:
    if sequence:
        return {str(tag) for row in column for tag in row}
    return {str(value) for value in column}


def _match(id2label: dict[int, str], names: list[str], *, by_position: bool) -> dict[int, str]:
    labels = list(id2label.values())
    if (
        by_position
        and len(labels) == len(names)
        and all(_GENERIC_LABEL.fullmatch(label) for label in labels)
    ):
        return {i: names[i] for i in sorted(id2label)}
    spelled = {name.casefold(): name for name in names}
    mapped = {i: spelled.get(label.casefold(), label) for i, label in id2label.items()}
    missing = sorted(set(names) - set(mapped.values()))
    if missing:
        raise LabelMismatch(
            f"The model's labels ({', '.join(labels)}) do not cover the dataset's "
            f"({', '.join(names)}): no match for {', '.join(missing)}"
        )
    return mapped
