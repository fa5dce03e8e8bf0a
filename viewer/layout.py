"""Which files make which config and split, as the `datasets` library decides it: the card's
`configs` when it has them, else its data-file conventions (split names in file or folder
names, one format per dataset). Pure: paths in, a plan out."""

import fnmatch
import re
from collections import Counter
from dataclasses import dataclass

# Extensions the converter reads, by format (`datasets`' packaged builders).
FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".jsonl": "json",
    ".parquet": "parquet",
    ".arrow": "arrow",
    ".txt": "text",
    # `datasets`' imagefolder: one row per image, the label its folder's name.
    ".png": "imagefolder",
    ".jpg": "imagefolder",
    ".jpeg": "imagefolder",
    ".gif": "imagefolder",
    ".webp": "imagefolder",
    ".bmp": "imagefolder",
    # `datasets`' audiofolder: one row per sound file, kept as the Audio feature's bytes.
    ".wav": "audiofolder",
    ".flac": "audiofolder",
    ".mp3": "audiofolder",
    ".ogg": "audiofolder",
    ".opus": "audiofolder",
    ".aiff": "audiofolder",
}
FOLDER_FORMATS = {"imagefolder", "audiofolder"}
# A folder's metadata (`datasets`' FolderBasedBuilder): a file_name column and more columns.
METADATA_NAMES = {"metadata.csv", "metadata.jsonl"}
# `datasets`' split keywords (datasets.data_files), matched as whole words of a path.
_SPLIT_WORDS = {
    "train": {"train", "training"},
    "validation": {"validation", "valid", "val", "dev"},
    "test": {"test", "testing", "eval", "evaluation"},
}
_WORD_RE = re.compile(r"[A-Za-z]+")
_SPLIT_NAMES = {word for words in _SPLIT_WORDS.values() for word in words}


@dataclass(frozen=True)
class SplitFiles:
    config: str
    split: str
    format: str
    paths: tuple[str, ...]
    labels: tuple[str, ...] = ()  # a media folder's class names, from its folders
    metadata: tuple[str, ...] = ()  # a media folder's metadata files


def image_label(path: str) -> str:
    """An image's class: its folder's name (`train/cat/1.png` is a cat)."""
    parts = path.split("/")
    return parts[-2] if len(parts) > 1 else ""


def _with_labels(splits: list[SplitFiles]) -> list[SplitFiles]:
    """Media folders without metadata get labels when their files sit in two or more class
    folders (not counting folders named after a split), shared by every split of the
    config."""
    if any(s.metadata for s in splits):
        return splits
    media = [p for s in splits if s.format in FOLDER_FORMATS for p in s.paths]
    names = sorted({image_label(p) for p in media} - {""})
    if len(names) < 2 or any(n.lower() in _SPLIT_NAMES for n in names):
        return splits
    return [
        SplitFiles(s.config, s.split, s.format, s.paths, tuple(names))
        if s.format in FOLDER_FORMATS else s
        for s in splits
    ]  # fmt: skip


def _is_metadata(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in METADATA_NAMES


def _under(path: str, metadata: str) -> bool:
    folder = metadata.rsplit("/", 1)[0] if "/" in metadata else ""
    return not folder or path.startswith(f"{folder}/")


def _with_metadata(split: SplitFiles, metadata: list[str]) -> SplitFiles:
    """A media split with the metadata files of the folders its files are in (a metadata
    file describes the files of its folder and the folders below)."""
    mine = tuple(sorted(m for m in metadata if any(_under(p, m) for p in split.paths)))
    return SplitFiles(split.config, split.split, split.format, split.paths, metadata=mine)


class LayoutError(ValueError):
    """The repo's files or card name no data the converter can read."""


def _format_of(path: str) -> str | None:
    for extension, name in FORMATS.items():
        if path.lower().endswith(extension):
            return name
    return None


def _split_of(path: str) -> str | None:
    words = {word.lower() for word in _WORD_RE.findall(path)}
    for split, keywords in _SPLIT_WORDS.items():
        if words & keywords:
            return split
    return None


def _data_files(paths: list[str]) -> list[str]:
    return [p for p in paths if _format_of(p) and not p.split("/")[-1].startswith(".")]


def _one_format(config: str, split: str, paths: list[str]) -> SplitFiles:
    metadata = [p for p in paths if _is_metadata(p)]
    media = [p for p in paths if not _is_metadata(p)]
    formats = {_format_of(p) for p in media}
    if metadata and formats & FOLDER_FORMATS:
        paths = media
    else:
        formats = {_format_of(p) for p in paths}
    if len(formats) != 1:
        raise LayoutError(f"{config}/{split} mixes file formats: {sorted(formats)}")
    found = SplitFiles(config, split, formats.pop(), tuple(sorted(paths)))
    return _with_metadata(found, metadata) if found.format in FOLDER_FORMATS else found


def _by_convention(paths: list[str]) -> list[SplitFiles]:
    files = _data_files(paths)
    if not files:
        raise LayoutError(
            "No data files found (CSV, TSV, JSON, JSON Lines, Parquet, Arrow, text, images, audio)"
        )
    # A media folder's metadata.csv is part of it, not a CSV split.
    media = [p for p in files if _format_of(p) in FOLDER_FORMATS]
    metadata = [p for p in files if _is_metadata(p)] if media else []
    counted = [p for p in files if p not in metadata]
    # The most common format wins, as in `datasets` (a README.txt does not make a text split).
    chosen = Counter(_format_of(p) for p in counted).most_common(1)[0][0]
    files = [p for p in counted if _format_of(p) == chosen]
    metadata = metadata if chosen in FOLDER_FORMATS else []
    named = {p: _split_of(p) for p in files}
    if not any(named.values()):
        return [_one_format("default", "train", files + metadata)]
    splits: dict[str, list[str]] = {}
    for path, split in named.items():
        if split:
            splits.setdefault(split, []).append(path)
    order = list(_SPLIT_WORDS)
    return [
        _one_format("default", s, splits[s] + metadata) for s in sorted(splits, key=order.index)
    ]


def _patterns(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise LayoutError("data_files must be a pattern or a list of patterns")


def _matching(paths: list[str], patterns: list[str]) -> list[str]:
    return [p for p in paths if any(fnmatch.fnmatchcase(p, pattern) for pattern in patterns)]


def _config_splits(paths: list[str], config: dict) -> list[SplitFiles]:
    name = config.get("config_name")
    if not isinstance(name, str) or not name:
        raise LayoutError("Every entry of the card's configs needs a config_name")
    data_files = config.get("data_files")
    if data_files is None:
        return [SplitFiles(name, s.split, s.format, s.paths) for s in _by_convention(paths)]
    if not isinstance(data_files, list) or not all(isinstance(d, dict) for d in data_files):
        data_files = [{"split": "train", "path": data_files}]
    result = []
    for entry in data_files:
        split = entry.get("split", "train")
        found = _data_files(_matching(paths, _patterns(entry.get("path"))))
        if not found:
            raise LayoutError(f"No data files match {entry.get('path')!r} ({name}/{split})")
        result.append(_one_format(name, str(split), found))
    return result


def layout_plan(*, paths: list[str], card: dict) -> list[SplitFiles]:
    """The configs and splits of a dataset whose files are `paths` and card metadata `card`,
    default config first; LayoutError says why there is none."""
    configs = card.get("configs")
    if not configs:
        return _with_labels(_by_convention(paths))
    if not isinstance(configs, list) or not all(isinstance(c, dict) for c in configs):
        raise LayoutError("The card's configs must be a list of mappings")
    ordered = sorted(configs, key=lambda c: not c.get("default", False))
    return [split for config in ordered for split in _with_labels(_config_splits(paths, config))]
