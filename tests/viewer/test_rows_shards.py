"""/rows reads only the shards a page falls in, found through a per-conversion cache of
the split's shards, while every request still asks the permission module."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.test import Client

from audit.models import AuditEvent
from audit.services import spool_flush
from registry.models import Repo
from tests.conftest import make_token
from tests.viewer.factories import make_converted
from viewer.convert import split_convert
from viewer.query import SplitShards, rows_at, split_shards_of

pytestmark = pytest.mark.django_db
API = "/api/datasets-server/rows"
# Three files of the train split, three shards (one per file when shards are tiny).
FILES = {
    f"train-{n}.csv": (
        "id,text\n" + "".join(f"{n * 4 + i},row {n * 4 + i}\n" for i in range(4))
    ).encode()
    for n in range(3)
}


@pytest.fixture
def numbers(alice, settings):
    settings.HUB_VIEWER_SHARD_BYTES = 1
    return make_converted(alice, "numbers", FILES)


def rows(client: Client, offset: int, length: int, dataset: str = "alice/numbers"):
    params = {"dataset": dataset, "config": "default", "split": "train", "offset": offset,
              "length": length}  # fmt: skip
    return client.get(API, params)


def test_a_page_is_found_in_the_shard_its_offset_falls_in():
    shards = SplitShards(paths=("a", "b", "c"), starts=(0, 4, 8))

    assert list(shards.spans(5, 2)) == [(1, 1, 3)]
    assert list(shards.spans(3, 6)) == [(0, 3, 4), (1, 0, 4), (2, 0, 1)]
    assert list(shards.spans(8, 100)) == [(2, 0, 100)]


def test_a_page_is_read_from_the_row_groups_that_hold_it(tmp_path):
    paths = [tmp_path / "0000.parquet", tmp_path / "0001.parquet"]
    pq.write_table(pa.table({"id": list(range(1000))}), paths[0], row_group_size=10)
    pq.write_table(pa.table({"id": list(range(1000, 1500))}), paths[1], row_group_size=7)
    shards = split_shards_of(paths)
    assert shards.groups[1][:3] == (0, 7, 14)

    for offset, length in ((555, 30), (0, 1), (990, 20), (995, 100), (1493, 100), (20, 10)):
        page = rows_at(shards=shards, offset=offset, length=length, total=1500)
        expected = list(range(offset, min(1500, offset + length)))
        assert [row["id"] for row in page.rows] == expected, (offset, length)


def test_a_shard_with_its_own_file_row_number_column_is_still_paged(tmp_path):
    shard = tmp_path / "0000.parquet"
    table = pa.table({"file_row_number": [7] * 50, "id": list(range(50))})
    pq.write_table(table, shard, row_group_size=10)

    page = rows_at(shards=split_shards_of([shard]), offset=20, length=5, total=50)

    assert page.rows == [{"file_row_number": 7, "id": i} for i in range(20, 25)]


def test_pages_across_shard_boundaries_hold_the_right_rows(numbers):
    assert len(numbers.splits[0]["files"]) == 3
    for offset, length in ((0, 12), (3, 2), (5, 4), (7, 5), (11, 3)):
        body = rows(Client(), offset, length).json()

        expected = list(range(offset, min(12, offset + length)))
        assert [r["row"]["id"] for r in body["rows"]] == expected
        assert [r["row_idx"] for r in body["rows"]] == expected
        assert body["num_rows_total"] == 12


def test_a_page_past_the_end_is_empty(numbers):
    assert rows(Client(), 12, 5).json()["rows"] == []


def test_what_alice_read_is_not_served_to_charlie_once_the_dataset_is_private(
    numbers, alice, charlie
):
    owner = Client(headers={"Authorization": f"Bearer {make_token(alice)}"})
    outsider = Client(headers={"Authorization": f"Bearer {make_token(charlie)}"})
    assert rows(outsider, 0, 2).status_code == 200
    Repo.objects.filter(pk=numbers.repo.pk).update(private=True)

    assert rows(owner, 0, 2).status_code == 200
    assert rows(outsider, 0, 2).status_code == 404
    assert rows(Client(), 0, 2).status_code == 401


def test_a_gated_datasets_rows_still_need_access_after_the_owner_read_them(numbers, alice, charlie):
    Repo.objects.filter(pk=numbers.repo.pk).update(gated="manual")
    owner = Client(headers={"Authorization": f"Bearer {make_token(alice)}"})
    outsider = Client(headers={"Authorization": f"Bearer {make_token(charlie)}"})

    assert rows(owner, 0, 2).status_code == 200
    refused = rows(outsider, 0, 2)
    assert refused.status_code == 403
    assert refused["X-Error-Code"] == "GatedRepo"


def test_reading_a_private_datasets_rows_is_an_audit_event(
    numbers, alice, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.HUB_DATA_DIR = tmp_path
    spool_flush()
    owner = Client(headers={"Authorization": f"Bearer {make_token(alice)}"})
    with django_capture_on_commit_callbacks(execute=True):
        assert rows(owner, 0, 2).status_code == 200  # public: anyone may read it, no event
        Repo.objects.filter(pk=numbers.repo.pk).update(private=True)
        assert rows(owner, 3, 2).status_code == 200
    spool_flush()

    events = list(AuditEvent.objects.filter(action="repo.read.viewer"))
    assert [(e.actor, e.repo, e.path, e.detail["route"]) for e in events] == [
        ("alice", "alice/numbers", "default/train", "rows")
    ]
    assert events[0].revision == numbers.convert_sha


def test_shards_of_wide_rows_get_row_groups_of_about_a_mebibyte(tmp_path):
    source = tmp_path / "train.csv"
    source.write_text("id,text\n" + "".join(f"{i},{'x' * 2000}\n" for i in range(3000)))
    out = tmp_path / "out"
    out.mkdir()

    result = split_convert(fmt="csv", sources=[("train.csv", source)], features=None,
                           out_dir=out, shard_bytes=1 << 30)  # fmt: skip

    footer = pq.read_metadata(result.shards[0])
    sizes = {footer.row_group(n).num_rows for n in range(footer.num_row_groups)}
    assert footer.num_rows == 3000 and max(sizes) <= 600
