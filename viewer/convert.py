"""Source files to Parquet shards, in bounded memory: each format is read as a stream of
record batches (pyarrow's CSV and JSON readers, Parquet row groups, Arrow IPC streams, text
lines) and written to shards of at most `shard_bytes`, with the `datasets` features in the
schema's `huggingface` metadata, as `datasets` writes it. No Django: paths in, files out."""

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq
from datasets import Features

# A row (or JSON object) larger than a block cannot be parsed: it bounds a cell's size too.
BLOCK_BYTES = 16 * 1024 * 1024
TEXT_BATCH_ROWS = 10_000
# A JSON file that is one array or object is parsed whole: only up to this size.
JSON_DOCUMENT_MAX_BYTES = 64 * 1024 * 1024
READ_BATCH_ROWS = 10_000
# A row group holds about this many bytes of rows (within the row bounds): a page of /rows
# reads the row group(s) it falls in, so a small group keeps any page cheap, as the Hub's
# converter does; the bounds keep tiny rows from making footers huge.
ROW_GROUP_BYTES = 1024 * 1024
ROW_GROUP_MIN_ROWS, ROW_GROUP_MAX_ROWS = 100, 10_000


class ConversionError(ValueError):
    """The data cannot be converted; the message says why, for the dataset's page."""


@dataclass
class SplitResult:
    num_rows: int = 0
    num_bytes_original: int = 0
    num_bytes_memory: int = 0
    shards: list[Path] = field(default_factory=list)
    features: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Stream:
    """A source read front to back and never written out whole first (a Xet file, rebuilt
    as it is read): for the formats in STREAMED_FORMATS."""

    size: int
    open: Callable[[], BinaryIO]


STREAMED_FORMATS = frozenset({"csv", "tsv", "json", "text"})
Source = Path | Stream


def _open(source: Source) -> BinaryIO:
    return source.open("rb") if isinstance(source, Path) else source.open()


def _size(source: Source) -> int:
    return source.stat().st_size if isinstance(source, Path) else source.size


def _csv_batches(source: Source, delimiter: str) -> Iterator[pa.RecordBatch]:
    with _open(source) as handle:
        reader = pacsv.open_csv(
            handle,
            read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
        )
        yield from reader


def _json_batches(source: Source) -> Iterator[pa.RecordBatch]:
    with _open(source) as handle:
        head = handle.read(4096).lstrip()
    if head[:1] in (b"[", b"{") and not _is_json_lines(source):
        yield from _json_document_batches(source)
        return
    with _open(source) as handle:
        read_options = pajson.ReadOptions(block_size=BLOCK_BYTES)
        yield from pajson.open_json(handle, read_options=read_options)


def _is_json_lines(source: Source) -> bool:
    """A file whose first line is a whole JSON object is JSON Lines."""
    with _open(source) as handle:
        first = handle.readline(BLOCK_BYTES)
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


def _json_document_batches(source: Source) -> Iterator[pa.RecordBatch]:
    if _size(source) > JSON_DOCUMENT_MAX_BYTES:
        # A ValueError: split_convert names the file in the ConversionError it becomes.
        raise ValueError(f"a JSON document over {JSON_DOCUMENT_MAX_BYTES} bytes; use JSON Lines")
    with _open(source) as handle:
        document = json.loads(handle.read())
    if isinstance(document, dict):
        # `datasets` reads {"data": [...]} with field="data"; a lone list field is that.
        lists = [v for v in document.values() if isinstance(v, list)]
        document = lists[0] if len(lists) == 1 else [document]
    if not isinstance(document, list) or not all(isinstance(r, dict) for r in document):
        raise ValueError("expected a list of JSON objects")
    for start in range(0, len(document), TEXT_BATCH_ROWS):
        yield from pa.Table.from_pylist(document[start : start + TEXT_BATCH_ROWS]).to_batches()


def _text_batches(source: Source) -> Iterator[pa.RecordBatch]:
    lines: list[str] = []
    with io.TextIOWrapper(_open(source), encoding="utf-8", newline="") as handle:
        for line in handle:
            lines.append(line.rstrip("\r\n"))
            if len(lines) == TEXT_BATCH_ROWS:
                yield pa.record_batch({"text": pa.array(lines, pa.string())})
                lines = []
    if lines:
        yield pa.record_batch({"text": pa.array(lines, pa.string())})


def _arrow_batches(path: Path) -> Iterator[pa.RecordBatch]:
    with pa.memory_map(str(path)) as source:
        try:
            reader = pa.ipc.open_stream(source)
        except pa.ArrowInvalid:
            source.seek(0)
            file = pa.ipc.open_file(source)
            for index in range(file.num_record_batches):
                yield file.get_batch(index)
            return
        yield from reader


def _parquet_batches(path: Path) -> Iterator[pa.RecordBatch]:
    yield from pq.ParquetFile(path).iter_batches(batch_size=READ_BATCH_ROWS)


def source_batches(fmt: str, path: Source) -> Iterator[pa.RecordBatch]:
    """The file's rows as record batches, a few MiB at a time (Arrow and Parquet files are
    read where they lie; the other formats may be streamed)."""
    if fmt in ("csv", "tsv"):
        return _csv_batches(path, "\t" if fmt == "tsv" else ",")
    return {
        "json": _json_batches,
        "text": _text_batches,
        "arrow": _arrow_batches,
        "parquet": _parquet_batches,
    }[fmt](path)


def source_features(fmt: str, path: Path) -> Features | None:
    """The features a Parquet file carries in its `huggingface` metadata (None otherwise)."""
    if fmt != "parquet":
        return None
    schema = pq.read_schema(path)
    if b"huggingface" not in (schema.metadata or {}):
        return None
    return Features.from_arrow_schema(schema)


class ShardWriter:
    """Parquet shards of at most about `shard_bytes` each, named 0000.parquet, 0001..."""

    def __init__(self, out_dir: Path, schema: pa.Schema, shard_bytes: int):
        self.out_dir, self.schema, self.shard_bytes = out_dir, schema, shard_bytes
        self.paths: list[Path] = []
        self.writer: pq.ParquetWriter | None = None
        self.pending = 0

    def write(self, batch: pa.RecordBatch) -> None:
        if self.writer is None:
            path = self.out_dir / f"{len(self.paths):04d}.parquet"
            self.paths.append(path)
            self.writer = pq.ParquetWriter(path, self.schema)
            self.pending = 0
        self.writer.write_batch(batch, row_group_size=_group_rows(batch))
        # In-memory size approximates the shard's: compression only makes shards smaller.
        self.pending += batch.nbytes
        if self.pending >= self.shard_bytes:
            self.close()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def finish(self) -> list[Path]:
        self.close()
        if not self.paths:
            pq.ParquetWriter(self.out_dir / "0000.parquet", self.schema).close()
            self.paths.append(self.out_dir / "0000.parquet")
        return self.paths


def _group_rows(batch: pa.RecordBatch) -> int:
    row_bytes = batch.nbytes // max(1, batch.num_rows)
    rows = ROW_GROUP_BYTES // max(1, row_bytes)
    return max(ROW_GROUP_MIN_ROWS, min(ROW_GROUP_MAX_ROWS, rows))


def _cast(batch: pa.RecordBatch, schema: pa.Schema, name: str) -> pa.RecordBatch:
    if batch.schema.equals(schema):
        return batch
    if set(batch.schema.names) != set(schema.names):
        raise ConversionError(
            f"{name}: columns {batch.schema.names} differ from the split's {schema.names}"
        )
    try:
        return batch.select(schema.names).cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise ConversionError(f"{name}: column types differ from the split's: {exc}") from None


def split_convert(
    *,
    fmt: str,
    sources: list[tuple[str, Source]],
    features: Features | None,
    out_dir: Path,
    shard_bytes: int,
) -> SplitResult:
    """Converts the split's `sources` ((name, local path), in order) into shards in
    `out_dir`; ConversionError names the file and the problem."""
    result = SplitResult()
    writer: ShardWriter | None = None
    schema = features.arrow_schema if features is not None else None
    try:
        for name, path in sources:
            result.num_bytes_original += _size(path)
            features = features or source_features(fmt, path)
            schema = schema or (features.arrow_schema if features is not None else None)
            for batch in source_batches(fmt, path):
                if schema is None:
                    features = Features.from_arrow_schema(batch.schema)
                    schema = features.arrow_schema
                if writer is None:
                    writer = ShardWriter(out_dir, schema, shard_bytes)
                writer.write(_cast(batch, schema, name))
                result.num_rows += batch.num_rows
                result.num_bytes_memory += batch.nbytes
    except (pa.ArrowException, UnicodeDecodeError, ValueError, OSError) as exc:
        if isinstance(exc, ConversionError):
            raise
        raise ConversionError(f"{name}: {exc}") from None
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        if schema is None:
            raise ConversionError("The split has no rows and no columns")
        writer = ShardWriter(out_dir, schema, shard_bytes)
    result.shards = writer.finish()
    result.features = features.to_dict() if features is not None else {}
    return result
