"""The compare page and its JSON on two revisions of a real tiny model, in this process."""

import shutil

import pytest

from compare import selectors
from compare.models import TensorDiff
from compare.services import tensor_diff_run
from evaluation.models import EvaluationJob
from registry.services.repos import repo_create
from tests.compare import tiny_model as t
from tests.compare.conftest import commit_folder
from tests.conftest import make_token


def api(client, repo, spec: str, **headers):
    return client.get(f"/api/models/{repo.repo_id}/compare/{spec}", **headers)


def file_of(answer, path: str) -> dict:
    return next(f for f in answer.json()["files"] if f["path"] == path)


def test_the_page_lists_added_removed_and_modified_files(client, model):
    repo, first, second = model

    page = client.get(f"/alice/tiny/compare/{first}...{second}").content.decode()

    assert '<span class="status added">0 added</span>' in page
    assert '<span class="status deleted">1 removed</span>' in page
    assert '<span class="status modified">3 modified</span>' in page
    for path in ("README.md", "config.json", "model.safetensors", "generation_config.json"):
        assert f">{path}</a>" in page


def test_the_card_is_diffed_line_by_line(client, model):
    repo, first, second = model

    page = client.get(f"/alice/tiny/compare/{first}...main").content.decode()

    assert '<span class="del">-A tiny classifier.</span>' in page
    assert '<span class="add">+A tiny classifier, now with three labels.</span>' in page


def test_config_json_is_a_table_of_flattened_keys_with_their_change(client, model):
    repo, first, second = model

    rows = {
        r["key"]: r
        for r in file_of(api(client, repo, f"{first}...{second}"), "config.json")["config"]
    }

    assert rows["id2label.2"] == {
        "key": "id2label.2",
        "status": "added",
        "base": None,
        "head": '"POSITIVE"',
    }
    assert rows["id2label.1"]["status"] == "changed"
    assert (rows["hidden_dropout_prob"]["base"], rows["hidden_dropout_prob"]["head"]) == (
        "0.1",
        "0.2",
    )
    assert rows["classifier_dropout"]["status"] == "removed"
    assert rows["hidden_size"]["status"] == "same"


def test_a_removed_generation_config_shows_every_key_as_removed(client, model):
    repo, first, second = model

    change = file_of(api(client, repo, f"{first}...{second}"), "generation_config.json")

    assert change["status"] == "removed" and change["kind"] == "config"
    assert change["config"] == [
        {"key": "max_length", "status": "removed", "base": "20", "head": None}
    ]


def test_the_weights_diff_names_added_removed_reshaped_and_retyped_tensors(client, model):
    repo, first, second = model

    tensors = file_of(api(client, repo, f"{first}...{second}"), "model.safetensors")["tensors"]

    assert [x["name"] for x in tensors["added"]] == [t.ADDED]
    assert [x["name"] for x in tensors["removed"]] == [t.REMOVED]
    assert tensors["reshaped"] == [
        {"name": t.RESHAPED, "base": {"name": t.RESHAPED, "dtype": "F32", "shape": [2, 16]},
         "head": {"name": t.RESHAPED, "dtype": "F32", "shape": [3, 16]}}
    ]  # fmt: skip
    assert [(x["base"]["dtype"], x["head"]["dtype"]) for x in tensors["retyped"]] == [
        ("F32", "F16")
    ]


def test_the_tensor_data_diff_matches_numpy_reading_blocks_smaller_than_a_tensor(
    client, alice, model, tiny, settings
):
    repo, first, second = model
    settings.HUB_COMPARE_BLOCK_BYTES = 256  # the changed embedding is 4,096 bytes
    client.force_login(alice)

    asked = client.post(f"/alice/tiny/compare/{first}...{second}", {"path": t.WEIGHTS})
    tensor_diff_run(pk=TensorDiff.objects.get().pk)  # the worker's side, in this process

    assert asked.status_code == 303
    data = file_of(api(client, repo, f"{first}...{second}"), t.WEIGHTS)["data"]
    assert data["state"] == "succeeded" and data["doneBytes"] == data["totalBytes"]
    stats = {row["name"]: row for row in data["tensors"]}
    for name in (t.CHANGED, t.ALSO_CHANGED):
        changed, max_abs, max_rel = t.expected_stats(tiny, name)
        assert (stats[name]["changed"], stats[name]["max_abs"]) == (
            changed,
            pytest.approx(max_abs, rel=1e-12),
        )
        assert stats[name]["max_rel"] == pytest.approx(max_rel, rel=1e-12)
    assert stats[t.CHANGED]["blocks"] == 4096 // 256
    assert {name for name, row in stats.items() if row["changed"]} == {t.CHANGED, t.ALSO_CHANGED}


def test_the_page_shows_the_data_diff_once_computed_and_reuses_it_for_the_same_pair(
    client, alice, model
):
    repo, first, second = model
    client.force_login(alice)
    url = f"/alice/tiny/compare/{first}...{second}"
    client.post(url, {"path": t.WEIGHTS})
    queued = client.get(url).content.decode()
    tensor_diff_run(pk=TensorDiff.objects.get().pk)

    again = client.post(url, {"path": t.WEIGHTS}, HTTP_ACCEPT="application/json")
    page = client.get(url).content.decode()

    assert "data-progress" in queued and "queued" in queued
    assert again.json()["state"] == "succeeded" and TensorDiff.objects.count() == 1
    assert f'<tr data-tensor="{t.CHANGED}">' in page and "2 of 1024" in page


def test_only_signed_in_readers_may_ask_for_a_data_diff(client, model):
    repo, first, second = model

    answer = client.post(f"/alice/tiny/compare/{first}...{second}", {"path": t.WEIGHTS})
    page = client.get(f"/alice/tiny/compare/{first}...{second}").content.decode()

    assert answer.status_code in (302, 401) and not TensorDiff.objects.exists()
    assert "Sign in</a> to compare the tensors" in page


def test_a_private_model_compare_is_a_404_to_charlie_and_anonymous(client, alice, charlie, tiny):
    repo = repo_create(
        user=alice, token=None, name="vault", organization=None, repo_type="model", private=True
    )
    first = commit_folder(alice, repo, tiny.v1, "one")
    second = commit_folder(alice, repo, tiny.v2, "two")
    spec = f"{first}...{second}"
    charlie_token = {"HTTP_AUTHORIZATION": f"Bearer {make_token(charlie)}"}
    alice_token = {"HTTP_AUTHORIZATION": f"Bearer {make_token(alice)}"}

    assert client.get(f"/alice/vault/compare/{spec}").status_code == 404
    assert api(client, repo, spec).status_code in (401, 404)
    assert api(client, repo, spec, **charlie_token).status_code == 404
    assert api(client, repo, spec, **alice_token).status_code == 200


def test_a_spec_without_three_dots_is_a_400_that_says_what_a_spec_is(client, model):
    repo, first, second = model

    answer = api(client, repo, "main")

    assert answer.status_code == 400 and answer["X-Error-Code"]
    assert "{base}...{head}" in answer.json()["error"]
    assert api(client, repo, "nope...main").status_code == 404


def test_evaluation_results_of_both_revisions_are_side_by_side(client, alice, model):
    repo, first, second = model
    dataset = repo_create(
        user=alice, token=None, name="sst", organization=None, repo_type="dataset", private=False
    )
    for number, (sha, accuracy) in enumerate(((first, 0.5), (second, 0.75))):
        EvaluationJob.objects.create(
            key=f"k{number}", spec_key="s", model_repo=repo, model_sha=sha, model_fingerprint="f",
            dataset_repo=dataset, dataset_sha="d" * 40, dataset_fingerprint="d", config="default",
            split="test", task="text-classification", state="succeeded",
            results={"accuracy": accuracy},
        )  # fmt: skip

    rows = api(client, repo, f"{first}...{second}").json()["evaluations"]
    page = client.get(f"/alice/tiny/compare/{first}...{second}").content.decode()

    assert rows == [
        {"dataset": "alice/sst", "config": "default", "split": "test", "metric": "accuracy",
         "base": 0.5, "head": 0.75, "delta": 0.25}
    ]  # fmt: skip
    assert "<td>0.5</td>" in page and "<td>0.75</td>" in page and "<td>+0.25</td>" in page


def test_the_commits_page_compares_a_commit_with_its_parent_or_two_picked_ones(client, model):
    repo, first, second = model

    page = client.get("/alice/tiny/commits/main").content.decode()
    picked = client.get("/alice/tiny/compare", {"base": first, "head": "main"})

    assert f'href="/alice/tiny/compare/{first}...{second}"' in page
    assert picked.status_code == 302 and picked["Location"] == f"/alice/tiny/compare/{first}...main"


def test_a_file_moved_with_the_same_bytes_is_one_rename_not_a_removal_and_an_addition(
    client, alice, tiny, tmp_path
):
    repo = repo_create(user=alice, token=None, name="moved", organization=None,
                       repo_type="model", private=False)  # fmt: skip
    first = commit_folder(alice, repo, tiny.v1, "First version")
    moved = tmp_path / "moved"
    shutil.copytree(tiny.v1, moved)
    (moved / "weights").mkdir()
    (moved / "model.safetensors").rename(moved / "weights" / "model.safetensors")
    (moved / "config.json").rename(moved / "settings.json")
    second = commit_folder(alice, repo, moved, "Move files")

    page = client.get(f"/alice/moved/compare/{first}...{second}").content.decode()
    answer = api(client, repo, f"{first}...{second}").json()

    assert '<span class="status renamed">2 renamed</span>' in page
    assert '<span class="status deleted">0 removed</span>' in page
    assert "model.safetensors → weights/model.safetensors</a>" in page
    renamed = {f["oldPath"]: f["path"] for f in answer["files"] if f["status"] == "renamed"}
    assert renamed == {"config.json": "settings.json",
                       "model.safetensors": "weights/model.safetensors"}  # fmt: skip
    assert {f["status"] for f in answer["files"]} == {"renamed"}


def test_safetensors_headers_are_read_once_per_object(client, model, monkeypatch):
    repo, first, second = model
    reads = []
    original = selectors._read_header
    monkeypatch.setattr(selectors, "_headers", {})
    monkeypatch.setattr(selectors, "_read_header", lambda side: reads.append(1) or original(side))

    for _ in range(3):
        assert client.get(f"/alice/tiny/compare/{first}...{second}").status_code == 200

    assert len(reads) == 2  # the base's weights and the head's, once each
