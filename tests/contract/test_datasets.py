"""`datasets` against the hub: load_dataset on CSV, JSON Lines and Parquet repos, with and
without a README, with YAML `configs:`, streaming, and Dataset.push_to_hub.

`datasets` reads HF_ENDPOINT when it is imported, so it runs in a subprocess (one for the whole
module) that prints what it loaded as JSON; each test asserts on its part.
"""

import io
import json
import uuid

import httpx2 as httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.contract.conftest import make_repo, xet_disabled
from tests.contract.helpers import STEPS, card, commit_files, run_client_script, step_ok

pytestmark = pytest.mark.live

TRAIN = [{"id": 0, "text": "zero"}, {"id": 1, "text": "one"}, {"id": 2, "text": "two"}]
TEST = [{"id": 10, "text": "ten"}, {"id": 11, "text": "eleven"}]


def _csv(rows: list[dict]) -> str:
    return "id,text\n" + "".join(f"{row['id']},{row['text']}\n" for row in rows)


def _jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def _parquet(rows: list[dict]) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buffer)
    return buffer.getvalue()


CONFIGS_CARD = card(
    license="mit",
    configs=[
        {
            "config_name": "first",
            "default": True,
            "data_files": [
                {"split": "train", "path": "first/train.csv"},
                {"split": "validation", "path": "first/valid.csv"},
            ],
        },
        {"config_name": "second", "data_files": [{"split": "train", "path": "second/*.csv"}]},
    ],
)

SCRIPT = (
    STEPS
    + """
import os, time
from datasets import Dataset, load_dataset
from datasets.utils import _dataset_viewer

repos = json.loads(os.environ["TEST_REPOS"])

def rows(dataset_dict):
    return {split: [dict(row) for row in dataset_dict[split]] for split in dataset_dict}

with step("csv") as out:
    out["splits"] = rows(load_dataset(repos["csv"]))
with step("jsonl") as out:
    out["splits"] = rows(load_dataset(repos["jsonl"]))
with step("parquet") as out:
    out["splits"] = rows(load_dataset(repos["parquet"]))
with step("configs_default") as out:
    out["splits"] = rows(load_dataset(repos["configs"]))
with step("configs_second") as out:
    out["splits"] = rows(load_dataset(repos["configs"], "second"))
with step("streaming_parquet") as out:
    out["splits"] = rows(load_dataset(repos["parquet"], streaming=True))
with step("streaming_csv") as out:
    out["splits"] = rows(load_dataset(repos["csv"], streaming=True))
with step("push") as out:
    pushed = Dataset.from_dict({"id": [5, 6, 7], "text": ["five", "six", "seven"]})
    pushed.push_to_hub(repos["pushed"])
    out["pushed"] = pushed.to_list()
    out["loaded"] = load_dataset(repos["pushed"], split="train").to_list()
with step("viewer") as out:
    started = time.monotonic()
    try:
        _dataset_viewer.get_exported_dataset_infos(repos["parquet"], commit_hash=None, token=None)
    except _dataset_viewer.DatasetViewerError as exc:
        out["raised"] = type(exc).__name__
    out["seconds"] = time.monotonic() - started
done()
"""
)


@pytest.fixture(scope="module")
def loaded(hub, alice, tmp_path_factory):
    mark = f"ds{uuid.uuid4().hex[:8]}"
    api = alice.api(hub)
    repos = {kind: f"alice/{mark}-{kind}" for kind in ("csv", "jsonl", "parquet", "configs")}
    repos["pushed"] = f"alice/{mark}-pushed"
    contents = {
        "csv": {"data.csv": _csv(TRAIN)},
        "jsonl": {"data/train.jsonl": _jsonl(TRAIN), "data/test.jsonl": _jsonl(TEST)},
        "parquet": {
            "README.md": card(license="mit", pretty_name="Parquet test"),
            "data/train-00000-of-00001.parquet": _parquet(TRAIN),
            "data/test-00000-of-00001.parquet": _parquet(TEST),
        },
        "configs": {
            "README.md": CONFIGS_CARD,
            "first/train.csv": _csv(TRAIN),
            "first/valid.csv": _csv(TEST),
            "second/part-0.csv": _csv(TEST),
            "second/part-1.csv": _csv(TRAIN[:1]),
        },
    }
    with xet_disabled():
        for kind, files in contents.items():
            make_repo(
                hub, alice, repos[kind].split("/")[1], repo_type="dataset", private=kind == "jsonl"
            )
            commit_files(api, repos[kind], files, repo_type="dataset")
    results = run_client_script(
        hub,
        alice.token,
        tmp_path_factory.mktemp("datasets-home"),
        SCRIPT,
        HF_HUB_DISABLE_XET="1",
        TEST_REPOS=json.dumps(repos),
    )
    return repos, results


def test_load_dataset_reads_a_csv_repo_without_a_readme(loaded):
    _, results = loaded

    assert step_ok(results, "csv")["splits"] == {"train": TRAIN}


def test_load_dataset_reads_json_lines_splits_of_a_private_repo_by_file_name(loaded):
    _, results = loaded

    assert step_ok(results, "jsonl")["splits"] == {"train": TRAIN, "test": TEST}


def test_load_dataset_reads_a_parquet_repo_with_a_readme(loaded):
    _, results = loaded

    assert step_ok(results, "parquet")["splits"] == {"train": TRAIN, "test": TEST}


def test_yaml_configs_in_the_readme_choose_the_files_and_splits(loaded):
    _, results = loaded

    assert step_ok(results, "configs_default")["splits"] == {"train": TRAIN, "validation": TEST}


def test_a_second_yaml_config_is_loaded_by_name(loaded):
    _, results = loaded

    train = step_ok(results, "configs_second")["splits"]["train"]

    assert sorted(train, key=lambda row: row["id"]) == TRAIN[:1] + TEST


def test_streaming_reads_the_same_rows_from_parquet_and_csv(loaded):
    _, results = loaded

    assert step_ok(results, "streaming_parquet")["splits"] == {"train": TRAIN, "test": TEST}
    assert step_ok(results, "streaming_csv")["splits"] == {"train": TRAIN}


def test_push_to_hub_then_load_dataset_gives_identical_rows(hub, alice, loaded):
    repos, results = loaded

    pushed = step_ok(results, "push")

    assert pushed["loaded"] == pushed["pushed"]
    files = alice.api(hub).list_repo_files(repos["pushed"], repo_type="dataset")
    assert "README.md" in files
    assert any(f.startswith("data/train-") and f.endswith(".parquet") for f in files)


def test_the_datasets_server_lookup_fails_fast_instead_of_waiting_out_its_timeout(loaded):
    _, results = loaded

    viewer = step_ok(results, "viewer")

    assert viewer["raised"] == "DatasetViewerError"
    assert viewer["seconds"] < 10  # the client waits up to 100 s for an answer


def test_the_datasets_server_host_answers_a_missing_dataset_as_the_hub_does(hub):
    response = httpx.get(
        f"{hub.url}/info",
        params={"dataset": "alice/anything"},
        headers={"Host": "datasets-server.127.0.0.1"},
        timeout=10,
    )

    # The viewer API answers it (tests/contract/test_viewer.py); anonymous gets the Hub's 401.
    assert response.status_code == 401
    assert response.headers["X-Error-Code"] == "RepoNotFound"
