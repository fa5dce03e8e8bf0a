"""viewer.conversion.conversion_run: a dataset's main converted to Parquet shards on
refs/convert/parquet, features kept, and bad data recorded as failed with its reason."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from registry.gitstore import GitRepo
from registry.repofiles import repo_file_at
from tests.viewer.factories import make_converted, parquet_bytes, push
from viewer.conversion import conversion_run
from viewer.models import DatasetConversion

pytestmark = pytest.mark.django_db
Status = DatasetConversion.Status


def shard_table(conversion: DatasetConversion, path: str) -> pa.Table:
    git = GitRepo(conversion.repo.storage_id)
    file = repo_file_at(repo=conversion.repo, git=git, sha=conversion.convert_sha, path=path)
    return pq.read_table(file.local_path())


def test_the_card_configs_become_shards_on_the_convert_ref_with_class_names(alice):
    conversion = make_converted(alice, "reviews")

    git = GitRepo(conversion.repo.storage_id)
    assert conversion.status == Status.DONE
    assert git.ref_target("refs/convert/parquet") == conversion.convert_sha
    assert conversion.revision == git.ref_target("refs/heads/main")
    files = sorted(e.path for e in git.list_tree(conversion.convert_sha, recursive=True)
                   if e.type == "file")  # fmt: skip
    assert files == ["default/test/0000.parquet", "default/train/0000.parquet"]
    train = shard_table(conversion, "default/train/0000.parquet")
    assert train.to_pydict() == {"text": ["I loved it", "Awful film", "A fine cast"],
                                 "label": [1, 0, 1]}  # fmt: skip
    features = json.loads(train.schema.metadata[b"huggingface"])["info"]["features"]
    assert features["label"] == {"names": ["negative", "positive"], "_type": "ClassLabel"}
    assert [(s["split"], s["num_rows"]) for s in conversion.splits] == [("train", 3), ("test", 1)]


def test_files_named_by_split_convert_without_a_card(alice):
    conversion = make_converted(alice, "conventions", {
        "data/train.jsonl": b'{"q": "a"}\n{"q": "b"}\n',
        "data/validation.jsonl": b'{"q": "c"}\n',
        "notes.txt": b"not data: JSON Lines files are the most common format\n",
    })  # fmt: skip

    assert conversion.status == Status.DONE
    assert [(s["config"], s["split"], s["num_rows"]) for s in conversion.splits] == [
        ("default", "train", 2), ("default", "validation", 1),
    ]  # fmt: skip


def test_a_second_push_replaces_the_shards(alice):
    conversion = make_converted(alice, "replaced", {"a.csv": b"x\n1\n"})
    first = conversion.convert_sha

    push(conversion.repo, alice, {"a.csv": b"y,z\n1,2\n"})
    conversion_run(repo_pk=conversion.repo.pk)

    conversion.refresh_from_db()
    assert conversion.status == Status.DONE
    assert conversion.convert_sha != first
    assert [s["split"] for s in conversion.splits] == ["train"]
    assert shard_table(conversion, "default/train/0000.parquet").to_pydict() == {
        "y": [1], "z": [2]
    }  # fmt: skip


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ({"train.csv": b"a,b\n1,2\n3\n"}, "Expected 2 columns, got 1"),
        ({"train.csv": b"a\n1\n", "train2.csv": b"a\nword\n"}, "column types differ"),
        ({"train.parquet": b"PAR1 this is not parquet"}, "train.parquet"),
        ({"README.md": b"no data here\n"}, "No data files found"),
    ],
    ids=["malformed-csv", "mixed-types", "corrupt-parquet", "no-data"],
)
def test_bad_data_is_recorded_as_failed_with_the_reason(alice, files, reason):
    conversion = make_converted(alice, "broken", files)

    assert conversion.status == Status.FAILED
    assert reason in conversion.error
    assert conversion.splits == []


def test_parquet_sources_keep_their_features(alice):
    table = pa.table({"n": [1, 2]}).replace_schema_metadata(
        {"huggingface": json.dumps({"info": {"features": {
            "n": {"names": ["zero", "one", "two"], "_type": "ClassLabel"}}}})}
    )  # fmt: skip
    conversion = make_converted(alice, "pq", {"data/train-0.parquet": parquet_bytes(table)})

    assert conversion.features["default"]["n"]["names"] == ["zero", "one", "two"]


def test_a_split_of_too_many_files_fails_instead_of_loading_them(alice, settings):
    settings.HUB_VIEWER_MAX_FILES = 2

    conversion = make_converted(alice, "many", {f"part-{n}.csv": b"a\n1\n" for n in range(3)})

    assert conversion.status == Status.FAILED
    assert "has 3 files, over the viewer's 2" in conversion.error


def test_a_row_longer_than_a_read_block_fails_with_the_reason(alice, monkeypatch):
    monkeypatch.setattr("viewer.convert.BLOCK_BYTES", 64)

    conversion = make_converted(alice, "huge-cell", {"train.csv": b"text\n" + b"x" * 500 + b"\n"})

    assert conversion.status == Status.FAILED
    assert "train.csv" in conversion.error
