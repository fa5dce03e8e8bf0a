"""Dataset preview: the first rows of CSV, JSON Lines and Parquet, with types and paging."""

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from registry.web.preview import PAGE_ROWS, PreviewError, table_page
from tests.web.conftest import commit_files, commit_lfs, make_repo


def _parquet(rows: int) -> bytes:
    table = pa.table({"id": list(range(rows)), "text": [f"row {i}" for i in range(rows)]})
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=40)
    return sink.getvalue()


def test_csv_rows_come_with_inferred_types():
    table = table_page(pa.BufferReader(b"id,name\n1,a\n2,b\n"), "csv", offset=0)

    assert table.columns == [("id", "int64"), ("name", "string")]
    assert table.rows == [["1", "a"], ["2", "b"]] and not table.has_next


def test_json_lines_page_by_offset():
    data = b"".join(b'{"n": %d}\n' % i for i in range(120))

    table = table_page(pa.BufferReader(data), "jsonl", offset=100)

    assert table.rows[0] == ["100"] and len(table.rows) == 20 and not table.has_next


def test_parquet_reads_only_the_row_groups_of_the_page():
    table = table_page(pa.BufferReader(_parquet(200)), "parquet", offset=90)

    assert table.total == 200 and table.rows[0] == ["90", "row 90"]
    assert len(table.rows) == PAGE_ROWS and table.has_next


def test_an_unreadable_file_is_a_preview_error():
    with pytest.raises(PreviewError):
        table_page(pa.BufferReader(b"not parquet"), "parquet", offset=0)


def test_the_file_page_previews_an_lfs_parquet_file(client, alice):
    repo = make_repo(alice, "squad", repo_type="dataset")
    commit_lfs(repo, alice, "data/train.parquet", _parquet(60))
    commit_files(repo, alice, {"data/test.csv": b"q,a\nwhy,because\n"})

    page = client.get("/datasets/alice/squad/blob/main/data/train.parquet?offset=50").content
    assert b"Rows 51" in page and b"of 60" in page and b"row 59" in page
    assert (
        b"<td>because</td>" in client.get("/datasets/alice/squad/blob/main/data/test.csv").content
    )
    assert b"data/train.parquet" in client.get("/datasets/alice/squad").content
