"""The dataset viewer against the real clients: a pushed dataset is converted by the live
hub's worker, then `datasets` loads refs/convert/parquet, HfFileSystem and pandas read
`@~parquet` paths, list_repo_refs lists the conversion, and the viewer API answers on the
`datasets-server.` host."""

import io
import json
import uuid
import wave

import httpx2 as httpx
import pytest

from tests.contract.conftest import make_repo, xet_disabled
from tests.contract.helpers import STEPS, card, commit_files, run_client_script, step_ok
from tests.live import wait_until

pytestmark = pytest.mark.live

CARD = card(
    dataset_info={
        "features": [
            {"name": "text", "dtype": "string"},
            {"name": "label", "dtype": {"class_label": {"names": {"0": "neg", "1": "pos"}}}},
        ]
    }
)
TRAIN = "text,label\ngood,1\nbad,0\n"
TEST = "text,label\nfine,1\n"

SCRIPT = (
    STEPS
    + """
import os
import pandas as pd
from datasets import load_dataset
from huggingface_hub import HfApi, HfFileSystem

repo = os.environ["TEST_REPO"]
with step("load") as out:
    loaded = load_dataset(repo, revision="refs/convert/parquet")
    out["splits"] = {name: loaded[name].to_list() for name in loaded}
    out["names"] = loaded["train"].features["label"].names
with step("filesystem") as out:
    out["files"] = sorted(HfFileSystem().glob(f"datasets/{repo}@~parquet/**/*.parquet"))
with step("pandas") as out:
    frame = pd.read_parquet(f"hf://datasets/{repo}@~parquet/default/train/0000.parquet")
    out["rows"] = frame.to_dict(orient="records")
with step("refs") as out:
    out["converts"] = [r.ref for r in HfApi().list_repo_refs(repo, repo_type="dataset").converts]
done()
"""
)


AUDIO_SCRIPT = (
    STEPS
    + """
import os
from datasets import Audio, load_dataset

with step("load") as out:
    loaded = load_dataset(os.environ["TEST_REPO"], revision="refs/convert/parquet")
    out["feature"] = type(loaded["train"].features["audio"]).__name__
    rows = loaded["train"].cast_column("audio", Audio(decode=False)).to_list()
    out["rows"] = [[r["audio"]["path"], len(r["audio"]["bytes"]), r["text"]] for r in rows]
done()
"""
)


def _wav(milliseconds: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\x00\x01" * (8 * milliseconds))
    return buffer.getvalue()


def _converted(hub, alice, name: str, files: dict) -> str:
    repo = f"alice/{name}-{uuid.uuid4().hex[:8]}"
    with xet_disabled():
        make_repo(hub, alice, repo.split("/")[1], repo_type="dataset")
        commit_files(alice.api(hub), repo, files, repo_type="dataset")

    def valid() -> bool:
        answer = httpx.get(f"{hub.url}/api/datasets-server/is-valid", params={"dataset": repo})
        return answer.json().get("viewer", False)

    wait_until(valid, timeout=120, message="the dataset's conversion")
    return repo


def test_datasets_loads_an_audio_folders_conversion_with_its_metadata(hub, alice, tmp_path_factory):
    files = {
        "train/a.wav": _wav(5),
        "train/b.wav": _wav(8),
        "train/metadata.csv": "file_name,text\na.wav,hello\nb.wav,world\n",
    }
    repo = _converted(hub, alice, "speech", files)

    results = run_client_script(
        hub, alice.token, tmp_path_factory.mktemp("audio-home"), AUDIO_SCRIPT,
        HF_HUB_DISABLE_XET="1", TEST_REPO=repo,
    )  # fmt: skip

    loaded = step_ok(results, "load")
    assert loaded["feature"] == "Audio"
    assert loaded["rows"] == [
        ["a.wav", len(files["train/a.wav"]), "hello"],
        ["b.wav", len(files["train/b.wav"]), "world"],
    ]


@pytest.fixture(scope="module")
def converted(hub, alice, tmp_path_factory):
    files = {"README.md": CARD, "data/train.csv": TRAIN, "data/test.csv": TEST}
    repo = _converted(hub, alice, "viewer", files)
    results = run_client_script(
        hub, alice.token, tmp_path_factory.mktemp("viewer-home"), SCRIPT,
        HF_HUB_DISABLE_XET="1", TEST_REPO=repo,
    )  # fmt: skip
    return repo, results


def test_datasets_loads_the_conversion_with_its_class_names(converted):
    _, results = converted

    loaded = step_ok(results, "load")

    assert loaded["splits"] == {
        "train": [{"text": "good", "label": 1}, {"text": "bad", "label": 0}],
        "test": [{"text": "fine", "label": 1}],
    }
    assert loaded["names"] == ["neg", "pos"]


def test_parquet_paths_read_through_hf_filesystem_and_pandas(converted):
    repo, results = converted

    assert step_ok(results, "filesystem")["files"] == [
        f"datasets/{repo}@~parquet/default/test/0000.parquet",
        f"datasets/{repo}@~parquet/default/train/0000.parquet",
    ]
    assert step_ok(results, "pandas")["rows"] == [
        {"text": "good", "label": 1}, {"text": "bad", "label": 0}
    ]  # fmt: skip


def test_list_repo_refs_lists_the_conversion(converted):
    _, results = converted

    assert step_ok(results, "refs")["converts"] == ["refs/convert/parquet"]


def test_the_datasets_server_host_answers_parquet_with_the_revision(hub, alice, converted):
    repo, _ = converted
    main = alice.api(hub).dataset_info(repo).sha

    response = httpx.get(
        f"{hub.url}/parquet",
        params={"dataset": repo},
        headers={"Host": "datasets-server.127.0.0.1", "Authorization": f"Bearer {alice.token}"},
        timeout=10,
    )

    assert response.status_code == 200
    assert response.headers["X-Revision"] == main
    assert json.loads(response.text)["partial"] is False
