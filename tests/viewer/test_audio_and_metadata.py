"""Audio folders and folders with a metadata.csv / metadata.jsonl, as `datasets`'
audiofolder and imagefolder read them: converted (sounds kept as the Audio feature's bytes
and name, metadata columns added), served by the API and played on the dataset's page."""

import io
import json
import wave

import pyarrow.parquet as pq
import pytest
from datasets import Dataset, Features
from django.test import Client

from registry.gitstore import GitRepo
from registry.repofiles import repo_file_at
from tests.viewer.factories import make_converted
from tests.viewer.test_images import png
from viewer.models import DatasetConversion

pytestmark = pytest.mark.django_db


def wav(milliseconds: int = 5, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(rate)
        sound.writeframes(b"\x00\x01" * (rate * milliseconds // 1000))
    return buffer.getvalue()


def jsonl(*rows: dict) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


SPEECH = {
    "train/a.wav": wav(),
    "train/b.wav": wav(7),
    "train/metadata.jsonl": jsonl(
        {"file_name": "a.wav", "transcription": "hello", "speaker": 1},
        {"file_name": "b.wav", "transcription": "world", "speaker": 2},
    ),
    "test/c.wav": wav(),
    "test/metadata.jsonl": jsonl({"file_name": "c.wav", "transcription": "bye", "speaker": 1}),
}


def shard_of(conversion: DatasetConversion, split: str):
    git = GitRepo(conversion.repo.storage_id)
    return repo_file_at(repo=conversion.repo, git=git, sha=conversion.convert_sha,
                        path=f"default/{split}/0000.parquet").local_path()  # fmt: skip


def test_an_audio_folder_with_metadata_converts_with_sounds_and_its_columns(alice):
    conversion = make_converted(alice, "speech", SPEECH)

    assert conversion.status == DatasetConversion.Status.DONE, conversion.error
    assert conversion.features["default"] == {
        "audio": {"_type": "Audio"},
        "transcription": {"dtype": "string", "_type": "Value"},
        "speaker": {"dtype": "int64", "_type": "Value"},
    }
    assert [(s["split"], s["num_rows"]) for s in conversion.splits] == [("train", 2), ("test", 1)]
    rows = Client().get("/api/datasets-server/rows", {
        "dataset": "alice/speech", "config": "default", "split": "train",
    }).json()["rows"]  # fmt: skip
    assert [(r["row"]["audio"]["path"], r["row"]["transcription"]) for r in rows] == [
        ("a.wav", "hello"), ("b.wav", "world"),
    ]  # fmt: skip


def test_datasets_reads_the_shards_back_as_audio_with_the_metadata(alice, tmp_path):
    conversion = make_converted(alice, "speech", SPEECH)
    path = shard_of(conversion, "train")

    loaded = Dataset.from_parquet(str(path), cache_dir=str(tmp_path))

    assert Features.from_arrow_schema(pq.read_schema(path)) == loaded.features
    assert loaded.features["audio"].__class__.__name__ == "Audio"
    raw = loaded.data.column("audio").to_pylist()
    assert raw[1] == {"bytes": SPEECH["train/b.wav"], "path": "b.wav"}
    assert loaded.data.column("transcription").to_pylist() == ["hello", "world"]


def test_the_page_plays_audio_cells(alice):
    make_converted(alice, "speech", SPEECH)

    html = Client().get("/datasets/alice/speech").content.decode()

    assert html.count('<audio class="viewer-audio" controls preload="none" '
                      'src="data:audio/wav;base64,') == 2  # fmt: skip
    assert "hello" in html and "world" in html


def test_an_audio_folder_in_class_folders_is_labelled_by_them(alice):
    files = {"train/yes/1.wav": wav(), "train/no/2.wav": wav(), "train/no/3.wav": wav()}

    conversion = make_converted(alice, "commands", files)

    assert conversion.features["default"]["label"] == {"names": ["no", "yes"],
                                                       "_type": "ClassLabel"}  # fmt: skip


def test_an_image_folder_with_a_metadata_csv_at_its_root_gets_its_columns(alice):
    files = {
        "metadata.csv": b"file_name,caption\ntrain/cat/1.png,a red cat\ntest/dog/2.png,a dog\n",
        "train/cat/1.png": png("red"),
        "test/dog/2.png": png("blue"),
    }

    conversion = make_converted(alice, "captions", files)

    assert conversion.status == DatasetConversion.Status.DONE, conversion.error
    assert list(conversion.features["default"]) == ["image", "caption"]  # no folder labels
    rows = Client().get("/api/datasets-server/rows", {
        "dataset": "alice/captions", "config": "default", "split": "test",
    }).json()["rows"]  # fmt: skip
    assert [(r["row"]["image"]["path"], r["row"]["caption"]) for r in rows] == [("2.png", "a dog")]


def test_a_metadata_line_naming_a_file_outside_its_folder_fails_the_conversion(alice):
    files = {"train/a.wav": wav(), "train/metadata.jsonl": jsonl({"file_name": "../x.wav"})}

    conversion = make_converted(alice, "escape", files)

    assert conversion.status == DatasetConversion.Status.FAILED
    assert "points outside its folder" in conversion.error
