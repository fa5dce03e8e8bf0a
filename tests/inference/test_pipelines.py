"""Loading models at a commit straight from git and the blob store, within a memory bound."""

import os

import pytest

from inference import errors
from inference.pipelines import ModelRef, PipelineCache, snapshot
from registry.blobs import blob_store
from tests.inference import tiny
from tests.inference.conftest import commit_folder

pytestmark = pytest.mark.django_db


def ref(repo, load: str = "text-classification") -> ModelRef:
    return ModelRef(storage_id=str(repo.storage_id), sha=repo.head_sha, load=load,
                    repo_id=repo.repo_id)  # fmt: skip


def test_a_snapshot_links_weights_from_the_blob_store_instead_of_copying(make_model):
    repo = make_model(tiny.text_classifier, "linked")

    folder, weights = snapshot(ref(repo))

    stored = blob_store().path(snapshot_oid(repo))
    assert os.path.samefile(folder / "model.safetensors", stored)
    assert (folder / "config.json").read_bytes() == (repo.folder / "config.json").read_bytes()
    assert weights == [("model.safetensors", stored.stat().st_size)]


def test_the_cache_unloads_the_least_recently_used_model_to_stay_within_its_budget(make_model):
    first, second = make_model(tiny.text_classifier, "one"), make_model(tiny.text_classifier, "two")
    size = snapshot(ref(first))[1][0][1]
    cache = PipelineCache(budget=int(size * 1.5))
    announced = []

    cache.get(ref(first), on_load=announced.append)
    cache.get(ref(first), on_load=announced.append)
    cache.get(ref(second), on_load=announced.append)

    assert len(announced) == 2 and all(seconds > 0 for seconds in announced)
    assert cache.peek(ref(first)) is None and cache.peek(ref(second)) is not None


def test_a_model_larger_than_the_budget_is_refused_before_loading(make_model):
    repo = make_model(tiny.text_classifier, "big")

    with pytest.raises(errors.ModelTooLarge, match="HUB_INFERENCE_MEMORY_MB"):
        PipelineCache(budget=1024).get(ref(repo))


def test_pickled_weights_load_only_when_the_operator_allows_it(alice, make_model, settings):
    import torch
    from safetensors.torch import load_file

    repo = make_model(tiny.encoder, "pickled")
    folder = repo.folder
    torch.save(load_file(folder / "model.safetensors"), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    from registry.gitstore import Change, GitRepo
    from registry.services.commits import commit_create

    git = GitRepo(repo.storage_id)
    commit_create(user=alice, repo=repo, git=git, ref="refs/heads/main", parent_commit=None,
                  changes=[Change("delete_file", "model.safetensors")], message="rm")  # fmt: skip
    commit_folder(alice, repo, folder)

    with pytest.raises(errors.PickledWeightsRefused, match="HUB_INFERENCE_ALLOW_PICKLE"):
        PipelineCache(budget=2**30).get(ref(repo, "feature-extraction"))
    settings.HUB_INFERENCE_ALLOW_PICKLE = True
    loaded = PipelineCache(budget=2**30).get(ref(repo, "feature-extraction"))
    assert len(loaded.model("paris")[0]) == 3


def test_corrupt_and_missing_weights_are_told_apart_and_remembered(alice, make_model, tmp_path):
    corrupt = make_model(tiny.text_classifier, "corrupt")
    (corrupt.folder / "model.safetensors").write_bytes(b"not a safetensors file")
    commit_folder(alice, corrupt, corrupt.folder)
    missing = make_model(tiny.text_classifier, "missing")
    blob_store().delete(snapshot_oid(missing))
    cache = PipelineCache(budget=2**30)

    with pytest.raises(errors.WeightsCorrupt, match="model.safetensors"):
        cache.get(ref(corrupt))
    with pytest.raises(errors.WeightsMissing, match="missing from the blob store"):
        cache.get(ref(missing))
    with pytest.raises(errors.WeightsCorrupt):  # from memory: a commit never changes
        cache.get(ref(corrupt), on_load=lambda seconds: pytest.fail("loaded again"))


def snapshot_oid(repo) -> str:
    from registry.gitstore import GitRepo

    return GitRepo(repo.storage_id).entry(repo.head_sha, "model.safetensors").lfs.oid
