"""/rows reads only the shards a page falls in, found through a per-conversion cache of
the split's shards, while every request still asks the permission module."""

import pytest
from django.test import Client

from registry.models import Repo
from tests.conftest import make_token
from tests.viewer.factories import make_converted
from viewer.query import SplitShards

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

    assert shards.covering(5, 2) == (["b"], 1)
    assert shards.covering(3, 6) == (["a", "b", "c"], 3)
    assert shards.covering(8, 100) == (["c"], 0)


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
