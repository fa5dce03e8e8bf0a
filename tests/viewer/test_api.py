"""The viewer API (viewer/api.py) in the Hub's shapes, on the main host's
/api/datasets-server/ and on the datasets-server. host, over a converted dataset."""

import pytest
from django.test import Client

from tests.conftest import make_token
from tests.viewer.factories import make_converted

pytestmark = pytest.mark.django_db
API = "/api/datasets-server"


@pytest.fixture
def reviews(alice):
    return make_converted(alice, "reviews")


def ask(path: str, client: Client | None = None, **params):
    return (client or Client()).get(f"{API}/{path}", {"dataset": "alice/reviews", **params})


def test_splits_lists_the_configs_and_splits(reviews):
    assert ask("splits").json() == {
        "splits": [
            {"dataset": "alice/reviews", "config": "default", "split": "train"},
            {"dataset": "alice/reviews", "config": "default", "split": "test"},
        ],
        "pending": [], "failed": [],
    }  # fmt: skip


def test_parquet_and_info_carry_the_revision_and_the_ready_flags(reviews):
    parquet, info = ask("parquet"), ask("info")

    assert parquet["X-Revision"] == info["X-Revision"] == reviews.revision
    body = parquet.json()
    assert (body["partial"], body["pending"], body["failed"]) == (False, [], [])
    assert body["parquet_files"][0]["url"].endswith(
        "/datasets/alice/reviews/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet"
    )
    features = info.json()["dataset_info"]["default"]["features"]
    assert features["label"] == {"names": ["negative", "positive"], "_type": "ClassLabel"}
    assert info.json()["dataset_info"]["default"]["splits"]["train"]["num_examples"] == 3


def test_the_datasets_server_host_answers_the_same_routes(reviews):
    response = Client().get(
        "/parquet", {"dataset": "alice/reviews"}, headers={"Host": "datasets-server.testserver"}
    )

    assert response.status_code == 200
    assert response["X-Revision"] == reviews.revision


def test_rows_pages_through_the_split(reviews):
    body = ask("rows", config="default", split="train", offset=1, length=1).json()

    assert body["num_rows_total"] == 3
    assert body["rows"] == [
        {"row_idx": 1, "row": {"text": "Awful film", "label": 0}, "truncated_cells": []}
    ]
    assert body["features"][1] == {
        "feature_idx": 1, "name": "label",
        "type": {"names": ["negative", "positive"], "_type": "ClassLabel"},
    }  # fmt: skip


def test_search_finds_rows_by_words_in_string_columns(reviews):
    body = ask("search", config="default", split="train", query="FINE").json()

    assert [r["row"]["text"] for r in body["rows"]] == ["A fine cast"]


def test_filter_takes_a_where_and_an_orderby(reviews):
    body = ask("filter", config="default", split="train", where="label = 1",
               orderby="text DESC").json()  # fmt: skip

    assert [r["row"]["text"] for r in body["rows"]] == ["I loved it", "A fine cast"]
    assert body["num_rows_total"] == 2


@pytest.mark.parametrize(
    "where", ["label = 1; DROP TABLE x", "label = 1 OR 1=1 --", "nosuch = 1", "label = text"]
)
def test_filter_refuses_what_its_grammar_does_not_allow(reviews, where):
    response = ask("filter", config="default", split="train", where=where)

    assert response.status_code == 400
    assert response["X-Error-Code"] == "InvalidParameter"


def test_statistics_counts_class_names(reviews):
    body = ask("statistics", config="default", split="train").json()

    label = next(s for s in body["statistics"] if s["column_name"] == "label")
    assert body["num_examples"] == 3
    assert label["column_type"] == "class_label"
    assert label["column_statistics"]["frequencies"] == {"positive": 2, "negative": 1}


def test_first_rows_and_size_and_is_valid(reviews):
    first = ask("first-rows", config="default", split="test").json()
    size = ask("size").json()["size"]["dataset"]

    assert first["rows"][0]["row"] == {"text": "Not for me", "label": 0}
    assert size["num_rows"] == 4
    assert ask("is-valid").json() == {
        "preview": True, "viewer": True, "search": True, "filter": True, "statistics": True
    }  # fmt: skip


def test_a_failed_conversion_says_why(alice):
    make_converted(alice, "broken", {"train.csv": b"a,b\n1,2\n3\n"})

    response = Client().get(f"{API}/splits", {"dataset": "alice/broken"})

    assert response.status_code == 500
    assert "Expected 2 columns" in response.json()["error"]
    assert Client().get(f"{API}/is-valid", {"dataset": "alice/broken"}).json()["viewer"] is False


ROUTES = ["is-valid", "splits", "parquet", "info", "size", "first-rows", "rows", "search",
          "filter", "statistics"]  # fmt: skip


@pytest.mark.parametrize("route", ROUTES)
def test_charlie_cannot_tell_a_private_dataset_from_a_missing_one(alice, charlie, route):
    make_converted(alice, "secret", private=True)
    client = Client(headers={"Authorization": f"Bearer {make_token(charlie)}"})
    params = {"config": "default", "split": "train", "query": "loved"}

    hidden = client.get(f"{API}/{route}", {"dataset": "alice/secret", **params})
    missing = client.get(f"{API}/{route}", {"dataset": "alice/nothing", **params})
    owner = Client(headers={"Authorization": f"Bearer {make_token(alice)}"})

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert owner.get(f"{API}/{route}", {"dataset": "alice/secret", **params}).status_code == 200
