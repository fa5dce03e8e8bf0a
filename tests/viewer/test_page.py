"""The dataset page's viewer (viewer/templatetags/viewer.py), server-rendered: the first
page of rows readable without JavaScript, class names, search, filter, statistics, the
dataset summary and the snippets, and what a dataset that failed to convert shows."""

import pytest
from django.test import Client

from tests.viewer.factories import make_converted

pytestmark = pytest.mark.django_db


def page(path: str = "/datasets/alice/reviews", **params) -> str:
    response = Client().get(path, params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_first_rows_show_with_class_names_and_the_card(alice):
    make_converted(alice, "reviews")

    html = page()

    assert "Dataset viewer" in html
    assert "I loved it" in html and "positive (1)" in html and "negative (0)" in html
    assert "# Reviews" not in html and "<h1>Reviews</h1>" in html
    assert "Rows 1–3 of 3" in html
    assert "default/train: 3" in html  # the summary's splits


def test_another_split_is_a_link_away(alice):
    make_converted(alice, "reviews")

    html = page(config="default", split="test")

    assert "Not for me" in html and "I loved it" not in html


def test_search_and_filter_narrow_the_rows(alice):
    make_converted(alice, "reviews")

    assert "A fine cast" in page(q="fine") and "I loved it" not in page(q="fine")
    filtered = page(where="label = 0")
    assert "Awful film" in filtered and "I loved it" not in filtered
    assert "Unknown column" in page(where="nosuch = 1")


def test_statistics_show_the_class_counts(alice):
    make_converted(alice, "reviews")

    html = page(stats=1)

    assert "Column statistics" in html and "class_label" in html
    assert "<td>positive</td><td>2</td>" in html


def test_long_cells_are_cut_with_the_rest_behind_a_details(alice):
    long = "word " * 200
    make_converted(alice, "long", {"train.csv": f"text\n{long}\n".encode()})

    html = page("/datasets/alice/long")

    assert '<details class="viewer-cell">' in html
    assert long.strip() in html


def test_a_dataset_that_failed_to_convert_says_why(alice):
    make_converted(alice, "broken", {"train.csv": b"a,b\n1,2\n3\n"})

    html = page("/datasets/alice/broken")

    assert "The dataset viewer is not available" in html
    assert "Expected 2 columns" in html


def test_use_this_dataset_offers_datasets_pandas_polars_and_duckdb(alice):
    make_converted(alice, "reviews")

    html = page()

    assert 'load_dataset("alice/reviews")' in html
    assert "hf://datasets/alice/reviews@~parquet/default/train/0000.parquet" in html
    assert "pl.read_parquet(" in html and "SELECT * FROM read_parquet(" in html
