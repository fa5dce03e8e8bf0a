"""Dataset preview: a page of rows from a CSV, JSON Lines or Parquet file, with column types.

Reads are bounded: Parquet reads only the row groups holding the page; CSV and JSON Lines are
streamed block by block and stop after the page or after MAX_SCAN_ROWS rows.
"""

import json
from dataclasses import dataclass
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq

PAGE_ROWS = 50
MAX_SCAN_ROWS = 100_000
MAX_CELL = 300
# At most this much Parquet data is decoded for one page of rows.
MAX_DECODED = 16 * 1024 * 1024
_BLOCK = 1024 * 1024
FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".parquet": "parquet"}


class PreviewError(Exception):
    """The file cannot be read as a table; the page says so instead of showing rows."""


@dataclass(frozen=True)
class Table:
    columns: list[tuple[str, str]]
    rows: list[list[str]]
    offset: int
    has_next: bool
    total: int | None


def preview_format(path: str) -> str | None:
    dot = path.rfind(".")
    return FORMATS.get(path[dot:].lower()) if dot >= 0 else None


def table_page(source: BinaryIO | pa.NativeFile, fmt: str, *, offset: int) -> Table:
    offset = max(0, min(offset, MAX_SCAN_ROWS))
    try:
        if fmt == "parquet":
            return _parquet(source, offset)
        return _stream(_reader(source, fmt), offset)
    except (pa.ArrowException, ValueError, OSError) as exc:
        raise PreviewError(str(exc)[:300]) from None


def _reader(source, fmt: str):
    if fmt == "jsonl":
        return pa_json.open_json(source, read_options=pa_json.ReadOptions(block_size=_BLOCK))
    parse = pa_csv.ParseOptions(delimiter="\t" if fmt == "tsv" else ",")
    return pa_csv.open_csv(
        source, read_options=pa_csv.ReadOptions(block_size=_BLOCK), parse_options=parse
    )


def _stream(reader, offset: int) -> Table:
    seen, rows = 0, []
    for batch in reader:
        if seen + batch.num_rows > offset:
            rows += batch.slice(max(offset - seen, 0)).to_pylist()
        seen += batch.num_rows
        if len(rows) > PAGE_ROWS or seen > MAX_SCAN_ROWS:
            break
    return _table(reader.schema, rows, offset, total=None)


def _parquet(source, offset: int) -> Table:
    file = pq.ParquetFile(source)
    meta = file.metadata
    first, start = 0, 0
    while first < meta.num_row_groups and start + meta.row_group(first).num_rows <= offset:
        start += meta.row_group(first).num_rows
        first += 1
    rows: list[dict] = []
    groups = list(range(first, meta.num_row_groups))
    if groups:
        batch_size = _rows_per_batch(meta.row_group(first))
        for batch in file.iter_batches(batch_size=batch_size, row_groups=groups):
            rows += batch.to_pylist()
            if len(rows) > offset - start + PAGE_ROWS:
                break
    rows = rows[offset - start :]
    return _table(file.schema_arrow, rows, offset, total=meta.num_rows)


def _rows_per_batch(group: pq.RowGroupMetaData) -> int:
    """As many rows as decode to about MAX_DECODED bytes, by the row group's own average.

    A few kilobytes of Parquet can hold cells that decompress to gigabytes; the footer says
    how large a row group is once decoded, so such a file is refused before any page is.
    """
    per_row = group.total_byte_size / max(group.num_rows, 1)
    if per_row > MAX_DECODED:
        raise PreviewError(f"its rows are over {MAX_DECODED // 2**20} MiB each once decoded")
    return max(1, min(PAGE_ROWS * 4, int(MAX_DECODED // max(per_row, 1))))


def _table(schema: pa.Schema, rows: list[dict], offset: int, *, total: int | None) -> Table:
    names = schema.names
    cells = [[_cell(row.get(name)) for name in names] for row in rows[:PAGE_ROWS]]
    columns = [(field.name, str(field.type)) for field in schema]
    return Table(columns, cells, offset, len(rows) > PAGE_ROWS, total)


def _cell(value) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= MAX_CELL else text[:MAX_CELL] + "…"
