"""/croissant: a converted dataset in Croissant JSON-LD, in the Hub viewer's shape, that
MLCommons' own library (mlcroissant) reads."""

import json

import mlcroissant as mlc
import pytest
from django.test import Client

from tests.viewer.factories import make_converted

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(alice) -> dict:
    make_converted(alice, "reviews")
    response = Client().get("/api/datasets-server/croissant", {"dataset": "alice/reviews"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    return response.json()


def test_it_describes_the_dataset_and_its_parquet_files(document):
    assert document["@type"] == "sc:Dataset"
    assert document["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    assert document["@context"]["cr"] == "http://mlcommons.org/croissant/"
    assert document["url"] == "http://testserver/datasets/alice/reviews"
    repo, files = document["distribution"]
    assert repo["@type"] == "cr:FileObject"
    assert repo["contentUrl"].endswith("/datasets/alice/reviews/tree/refs%2Fconvert%2Fparquet")
    assert files["@type"] == "cr:FileSet"
    assert files["containedIn"] == {"@id": "repo"}
    assert files["includes"] == "default/*/*.parquet"
    assert files["encodingFormat"] == "application/x-parquet"


def test_each_config_has_a_record_set_with_typed_fields_and_class_names(document):
    sets = {s["@id"]: s for s in document["recordSet"]}

    assert [r["data"] for r in [sets["default_splits"]]] == [
        [{"default_splits/split_name": "train"}, {"default_splits/split_name": "test"}]
    ]
    fields = {f["@id"]: f for f in sets["default"]["field"]}
    assert fields["default/text"]["dataType"] == "sc:Text"
    assert fields["default/text"]["source"]["extract"] == {"column": "text"}
    assert fields["default/label"]["dataType"] == "sc:Integer"
    labels = sets["default_label_labels"]
    assert labels["dataType"] == "sc:Enumeration"
    assert fields["default/label"]["references"] == {"field": {"@id": f"{labels['@id']}/index"}}
    assert [d["default_label_labels/name"] for d in labels["data"]] == ["negative", "positive"]


def test_mlcroissant_validates_and_reads_it(document, tmp_path):
    path = tmp_path / "croissant.json"
    path.write_text(json.dumps(document))

    metadata = mlc.Dataset(jsonld=str(path)).metadata

    assert {r.uuid for r in metadata.record_sets} >= {"default", "default_splits"}
    fields = [f.uuid for f in metadata.record_sets[-1].fields]
    assert fields == ["default/split", "default/text", "default/label"]
