"""Image and audio folders as `datasets`' imagefolder and audiofolder builders read them:
one row per file with its bytes and name (the Image or Audio feature), labelled by class
folders; or, when the folder holds a `metadata.csv` / `metadata.jsonl`, one row per line of
it, its `file_name` column replaced by the file it names and its other columns kept."""

import posixpath
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
from datasets import Audio, ClassLabel, Features, Image

from viewer.convert import ConversionError, ShardWriter, SplitResult

BATCH_ROWS = 64
# A media file larger than this is refused rather than held in memory with its batch.
MEDIA_MAX_BYTES = 32 * 1024 * 1024
# Metadata files are read whole (they name every file of a folder): only up to this size.
METADATA_MAX_BYTES = 64 * 1024 * 1024
COLUMNS = {"imagefolder": ("image", Image), "audiofolder": ("audio", Audio)}


def _media_value(name: str, path: Path) -> dict:
    if path.stat().st_size > MEDIA_MAX_BYTES:
        raise ConversionError(f"{name}: a file over {MEDIA_MAX_BYTES} bytes")
    return {"bytes": path.read_bytes(), "path": name.rsplit("/", 1)[-1]}


def _labelled_rows(
    fmt: str, sources: list[tuple[str, Path]], labels: tuple[str, ...]
) -> Iterator[dict]:
    column = COLUMNS[fmt][0]
    for name, path in sources:
        row = {column: _media_value(name, path)}
        if labels:
            row["label"] = labels.index(name.split("/")[-2])
        yield row


def _metadata_table(name: str, path: Path) -> pa.Table:
    if path.stat().st_size > METADATA_MAX_BYTES:
        raise ConversionError(f"{name}: a metadata file over {METADATA_MAX_BYTES} bytes")
    try:
        table = pacsv.read_csv(path) if name.endswith(".csv") else pajson.read_json(path)
    except pa.ArrowException as exc:
        raise ConversionError(f"{name}: {exc}") from None
    if "file_name" not in table.column_names or not pa.types.is_string(
        table.schema.field("file_name").type
    ):
        raise ConversionError(f"{name}: a metadata file needs a file_name column of text")
    return table


def _metadata_features(fmt: str, schema: pa.Schema) -> Features:
    """The metadata's columns, `file_name` becoming the media column in its place."""
    column, feature = COLUMNS[fmt]
    found = Features.from_arrow_schema(schema)
    return Features({column if k == "file_name" else k: feature() if k == "file_name" else v
                     for k, v in found.items()})  # fmt: skip


def _named_file(metadata: str, file_name: str) -> str:
    """The repo path a metadata line names: relative to the metadata file's folder, never
    outside it (as `datasets` refuses)."""
    relative = posixpath.normpath(file_name)
    if "://" in file_name or relative.startswith(("/", "../")) or relative == "..":
        raise ConversionError(f"{metadata}: file_name {file_name!r} points outside its folder")
    return posixpath.normpath(posixpath.join(posixpath.dirname(metadata), relative))


def _metadata_rows(
    fmt: str, sources: list[tuple[str, Path]], tables: list[tuple[str, pa.Table]]
) -> Iterator[dict]:
    """One row per metadata line naming a file of this split (lines naming another split's
    files are that split's)."""
    column = COLUMNS[fmt][0]
    local = dict(sources)
    for metadata, table in tables:
        for row in table.to_pylist():
            name = _named_file(metadata, row.pop("file_name") or "")
            if name in local:
                yield {column: _media_value(name, local[name]), **row}


def _batches(rows: Iterator[dict], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == BATCH_ROWS:
            yield pa.RecordBatch.from_pylist(chunk, schema=schema)
            chunk = []
    if chunk:
        yield pa.RecordBatch.from_pylist(chunk, schema=schema)


def _plan(
    fmt: str,
    sources: list[tuple[str, Path]],
    labels: tuple[str, ...],
    metadata: list[tuple[str, Path]],
) -> tuple[Features, Iterator[dict]]:
    if metadata:
        tables = [(name, _metadata_table(name, path)) for name, path in metadata]
        schemas = {table.schema.remove_metadata() for _, table in tables}
        if len(schemas) > 1:
            raise ConversionError("The split's metadata files have different columns")
        features = _metadata_features(fmt, tables[0][1].schema)
        return features, _metadata_rows(fmt, sources, tables)
    column, feature = COLUMNS[fmt]
    features = Features({column: feature()})
    if labels:
        features["label"] = ClassLabel(names=list(labels))
    return features, _labelled_rows(fmt, sources, labels)


def folder_convert(
    *,
    fmt: str,
    sources: list[tuple[str, Path]],
    labels: tuple[str, ...],
    metadata: list[tuple[str, Path]],
    out_dir: Path,
    shard_bytes: int,
) -> SplitResult:
    """Converts an image or audio folder's split (`sources`: (repo path, local path)) into
    shards in `out_dir`; ConversionError names the file and the problem."""
    features, rows = _plan(fmt, sources, labels, metadata)
    result = SplitResult(features=features.to_dict())
    writer = ShardWriter(out_dir, features.arrow_schema, shard_bytes)
    try:
        for batch in _batches(rows, features.arrow_schema):
            writer.write(batch)
            result.num_rows += batch.num_rows
            result.num_bytes_memory += batch.nbytes
    except (pa.ArrowException, ValueError) as exc:
        if isinstance(exc, ConversionError):
            raise
        raise ConversionError(f"{fmt}: {exc}") from None
    finally:
        writer.close()
    result.num_bytes_original = sum(path.stat().st_size for _, path in [*sources, *metadata])
    result.shards = writer.finish()
    return result
