"""Image folders: converted with `datasets`' Image feature and class names from the
folders, and shown as thumbnails on the dataset's page."""

import io

import pytest
from datasets import Dataset
from django.test import Client
from PIL import Image

from registry.gitstore import GitRepo
from registry.repofiles import repo_file_at
from tests.viewer.factories import make_converted
from viewer.models import DatasetConversion

pytestmark = pytest.mark.django_db


def png(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), color).save(buffer, format="PNG")
    return buffer.getvalue()


FILES = {
    "train/cat/1.png": png("red"),
    "train/dog/2.png": png("blue"),
    "test/cat/3.png": png("green"),
}


def test_an_image_folder_converts_with_images_and_folder_labels(alice):
    conversion = make_converted(alice, "pets", FILES)

    assert conversion.status == DatasetConversion.Status.DONE
    assert conversion.features["default"] == {
        "image": {"_type": "Image"},
        "label": {"names": ["cat", "dog"], "_type": "ClassLabel"},
    }
    assert [(s["split"], s["num_rows"]) for s in conversion.splits] == [("train", 2), ("test", 1)]
    rows = Client().get("/api/datasets-server/rows", {
        "dataset": "alice/pets", "config": "default", "split": "train",
    }).json()["rows"]  # fmt: skip
    assert [r["row"]["label"] for r in rows] == [0, 1]
    assert rows[0]["row"]["image"]["path"] == "1.png"


def test_the_page_shows_images_as_thumbnails_with_class_names(alice):
    make_converted(alice, "pets", FILES)

    html = Client().get("/datasets/alice/pets").content.decode()

    assert html.count('<img class="viewer-thumb" src="data:image/png;base64,') == 2
    assert "cat (0)" in html and "dog (1)" in html


def test_datasets_reads_the_shards_back_as_images_and_class_labels(alice, tmp_path):
    conversion = make_converted(alice, "pets", FILES)
    git = GitRepo(conversion.repo.storage_id)
    shard = repo_file_at(repo=conversion.repo, git=git, sha=conversion.convert_sha,
                         path="default/train/0000.parquet")  # fmt: skip

    loaded = Dataset.from_parquet(str(shard.local_path()), cache_dir=str(tmp_path))

    assert loaded.features["label"].names == ["cat", "dog"]
    assert loaded[1]["image"].size == (4, 4) and loaded[1]["label"] == 1
