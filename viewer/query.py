"""DuckDB over a split's Parquet shards: pages of rows, search, filter and column statistics.
One in-memory database per process (opening one costs tens of milliseconds, more than a
page of rows), a cursor of it per call (cursors are safe across threads); the shards are
read where the object store keeps them, never copied."""

import base64
import datetime
import decimal
import math
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from viewer.filters import quote

# DuckDB's memory and threads, for all the queries of a process together. Shards live at
# content-addressed paths, so their cached Parquet metadata never goes stale.
_CONFIG = {"memory_limit": "512MB", "threads": 2, "enable_object_cache": True}
_database: tuple[int, duckdb.DuckDBPyConnection] | None = None
_database_lock = threading.Lock()
HISTOGRAM_BINS = 10
TOP_VALUES = 10


@dataclass(frozen=True)
class Page:
    rows: list[dict]
    total: int


@dataclass(frozen=True)
class SplitShards:
    paths: tuple[Path, ...]
    starts: tuple[int, ...]  # the split's row number of each shard's first row
    # Each shard's footer, parsed once, and the shard's row number of each row group's first
    # row: a page opens its shard without parsing the footer again and reads only the row
    # groups that hold it.
    footers: tuple[pq.FileMetaData, ...] = field(default=(), compare=False, repr=False)
    groups: tuple[tuple[int, ...], ...] = field(default=(), compare=False, repr=False)

    def spans(self, offset: int, length: int) -> Iterator[tuple[int, int, int]]:
        """`(shard index, first, stop)` for each shard holding some of rows `[offset, offset
        + length)`: the rows `[first, stop)` of that shard, numbered within it."""
        end = offset + length
        for index, start in enumerate(self.starts):
            following = self.starts[index + 1] if index + 1 < len(self.starts) else None
            if following is not None and following <= offset:
                continue
            if start >= end:
                break
            stop = end if following is None else min(end, following)
            yield index, max(offset, start) - start, stop - start


def split_shards_of(paths: list[Path]) -> SplitShards:
    """The shards with their first rows and row groups, from their Parquet footers."""
    starts, footers, groups, row = [], [], [], 0
    for path in paths:
        footer = pq.read_metadata(path)
        starts.append(row)
        footers.append(footer)
        firsts, first = [], 0
        for number in range(footer.num_row_groups):
            firsts.append(first)
            first += footer.row_group(number).num_rows
        groups.append(tuple(firsts))
        row += footer.num_rows
    return SplitShards(tuple(paths), tuple(starts), tuple(footers), tuple(groups))


def _connect() -> duckdb.DuckDBPyConnection:
    """A cursor of this process's database (made anew in a forked child)."""
    global _database
    with _database_lock:
        if _database is None or _database[0] != os.getpid():
            _database = (os.getpid(), duckdb.connect(config=_CONFIG))
        return _database[1].cursor()


def _json_value(value: object) -> object:
    """A value read from Parquet as JSON: bytes as base64 (images' bytes), dates as ISO text."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime.date | datetime.time | datetime.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [
        {n: _json_value(v) for n, v in zip(names, row, strict=True)} for row in cursor.fetchall()
    ]


def rows_page(
    *,
    shards: Sequence[Path],
    offset: int,
    length: int,
    where: str = "",
    params: list | None = None,
    orderby: str = "",
) -> Page:
    """Rows `[offset, offset + length)` of the split that match `where`, in `orderby` order
    (else in file order), and how many rows match."""
    params = list(params or [])
    source = f"read_parquet(${len(params) + 1})"
    clause = f" WHERE {where}" if where else ""
    order = f" ORDER BY {orderby}" if orderby else ""
    with _connect() as con:
        counted = con.execute(f"SELECT count(*) FROM {source}{clause}", [*params, _paths(shards)])
        total = counted.fetchone()[0]
        limit = f" LIMIT ${len(params) + 2} OFFSET ${len(params) + 3}"
        rows = _fetch(
            con,
            f"SELECT * FROM {source}{clause}{order}{limit}",
            [*params, _paths(shards), length, offset],
        )
    return Page(rows, total)


def rows_at(*, shards: SplitShards, offset: int, length: int, total: int) -> Page:
    """Rows `[offset, offset + length)` of the split in file order, read from the shards
    that hold them only, and in each from the row groups that hold them only."""
    if offset >= total or length == 0:
        return Page([], total)
    rows: list[dict] = []
    for index, first, stop in shards.spans(offset, length):
        rows += _shard_rows(shards, index, first, stop)
    return Page(rows, total)


def _shard_rows(shards: SplitShards, index: int, first: int, stop: int) -> list[dict]:
    """Rows `[first, stop)` of one shard. pyarrow reads the row groups holding them, the
    footer already parsed: a page of a large split costs a row group or two, where a SQL
    scan with OFFSET pays for opening the file and decoding every row before the page."""
    firsts = shards.groups[index]
    wanted = [
        number
        for number, group_first in enumerate(firsts)
        if group_first < stop and (number + 1 == len(firsts) or firsts[number + 1] > first)
    ]
    if not wanted:
        return []
    footer = shards.footers[index]
    table = pq.ParquetFile(shards.paths[index], metadata=footer).read_row_groups(wanted)
    return _table_rows(table.slice(first - firsts[wanted[0]], stop - first))


def _table_rows(table: pa.Table) -> list[dict]:
    return [{name: _json_value(value) for name, value in row.items()} for row in table.to_pylist()]


def _paths(shards: Sequence[Path]) -> list[str]:
    return [str(p) for p in shards]


def search_where(columns: list[str], query: str) -> tuple[str, list]:
    """Full-text search as the viewer offers it: every word of `query` in some string column
    (case-insensitive), bound as a parameter."""
    words = query.split()[:20]
    if not columns or not words:
        return "FALSE", []
    params, terms = [], []
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
        placeholder = f"${len(params)}"
        terms.append(
            "(" + " OR ".join(f"{quote(c)} ILIKE {placeholder} ESCAPE '\\'" for c in columns) + ")"
        )
    return " AND ".join(terms), params


def _numeric_stats(con, column: str, source: str, paths: list[str], integer: bool) -> dict:
    q = quote(column)
    row = con.execute(
        f"SELECT count(*) - count({q}), min({q}), max({q}), avg({q}), median({q}), "
        f"stddev_samp({q}), count(*) FROM {source}",
        [paths],
    ).fetchone()
    nulls, low, high, mean, median, std, total = row
    stats = {
        "nan_count": nulls, "nan_proportion": round(nulls / total, 5) if total else 0.0,
        "min": _json_value(low), "max": _json_value(high),
        "mean": _rounded(mean), "median": _rounded(median), "std": _rounded(std),
    }  # fmt: skip
    stats["histogram"] = _histogram(con, q, source, paths, low, high, integer)
    return stats


def _rounded(value: object) -> float | None:
    return None if value is None else round(float(value), 5)


def _histogram(con, q: str, source: str, paths: list[str], low, high, integer: bool) -> dict:
    if low is None:
        return {"hist": [], "bin_edges": []}
    low, high = float(low), float(high)
    bins = HISTOGRAM_BINS if high > low else 1
    width = (high - low) / bins or 1.0
    if integer:
        # Whole-number bins: [1, 2), [2, 3)... for small ranges, wider ones past ten values.
        width = float(max(1, math.ceil((high - low + 1) / HISTOGRAM_BINS)))
        bins = max(1, math.ceil((high - low + 1) / width))
    counts = dict(
        con.execute(
            f"SELECT least(floor(({q} - $2) / $3)::BIGINT, $4), count(*) FROM {source} "
            f"WHERE {q} IS NOT NULL GROUP BY 1",
            [paths, low, width, bins - 1],
        ).fetchall()
    )
    edges = [low + width * i for i in range(bins)] + [high]
    return {
        "hist": [counts.get(i, 0) for i in range(bins)],
        "bin_edges": [int(e) if integer else round(e, 5) for e in edges],
    }


def _frequencies(con, column: str, source: str, paths: list[str], names: list | None) -> dict:
    q = quote(column)
    total, nulls, unique = con.execute(
        f"SELECT count(*), count(*) - count({q}), count(DISTINCT {q}) FROM {source}", [paths]
    ).fetchone()
    top = con.execute(
        f"SELECT {q}, count(*) AS n FROM {source} WHERE {q} IS NOT NULL GROUP BY 1 "
        f"ORDER BY n DESC, 1 LIMIT {TOP_VALUES}",
        [paths],
    ).fetchall()
    label = (lambda v: names[v] if names and 0 <= v < len(names) else str(v)) if names else str
    return {
        "nan_count": nulls, "nan_proportion": round(nulls / total, 5) if total else 0.0,
        "n_unique": unique, "frequencies": {label(v): n for v, n in top},
    }  # fmt: skip


def _string_stats(con, column: str, source: str, paths: list[str]) -> tuple[str, dict]:
    """A column of few distinct values is a label column; else, its text lengths."""
    q = quote(column)
    unique = con.execute(f"SELECT count(DISTINCT {q}) FROM {source}", [paths]).fetchone()[0]
    if unique <= 30:
        return "string_label", _frequencies(con, column, source, paths, None)
    view = f"(SELECT length({q}) AS {q} FROM {source})"
    return "string_text", _numeric_stats(con, column, view, paths, integer=True)


def column_statistics(*, shards: Sequence[Path], features: dict) -> list[dict]:
    """The Hub's /statistics entries for the columns it describes (numbers, class labels,
    booleans, strings); other columns are left out, as on the Hub."""
    source = "read_parquet($1)"
    paths = _paths(shards)
    result = []
    with _connect() as con:
        for name, feature in features.items():
            kind, stats = _feature_stats(con, name, feature, source, paths)
            if kind:
                result.append(
                    {"column_name": name, "column_type": kind, "column_statistics": stats}
                )
    return result


def _feature_stats(con, name: str, feature: object, source: str, paths: list[str]):
    if not isinstance(feature, dict):
        return None, None
    if feature.get("_type") == "ClassLabel":
        return "class_label", _frequencies(con, name, source, paths, feature.get("names"))
    dtype = feature.get("dtype", "") if feature.get("_type") == "Value" else ""
    if dtype.startswith(("int", "uint")):
        return "int", _numeric_stats(con, name, source, paths, integer=True)
    if dtype.startswith("float"):
        return "float", _numeric_stats(con, name, source, paths, integer=False)
    if dtype == "bool":
        return "bool", _frequencies(con, name, source, paths, None)
    if dtype in ("string", "large_string"):
        return _string_stats(con, name, source, paths)
    return None, None
