"""Quarantine: the inference worker never loads a file the scanner flagged, whatever
HUB_INFERENCE_ALLOW_PICKLE says, and scans a file not yet scanned before loading it."""

import pytest

from inference.pipelines import ModelRef, PipelineCache
from registry.errors import FileQuarantined
from registry.models import FileScan
from tests.inference import tiny
from tests.inference.conftest import commit_folder

pytestmark = pytest.mark.django_db

EVIL = b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00idq\x00\x85q\x01Rq\x02."  # never loaded


def ref(repo) -> ModelRef:
    return ModelRef(storage_id=str(repo.storage_id), sha=repo.head_sha,
                    load="text-classification", repo_id=repo.repo_id)  # fmt: skip


def test_a_model_with_a_dangerous_pickle_is_refused_even_when_pickles_are_allowed(
    alice, make_model, settings, fresh_cache
):
    settings.HUB_INFERENCE_ALLOW_PICKLE = True
    repo = make_model(tiny.text_classifier, "trojan")
    (repo.folder / "extra.bin").write_bytes(EVIL)
    commit_folder(alice, repo, repo.folder)

    with pytest.raises(FileQuarantined, match="extra.bin"):
        PipelineCache(budget=2**30).get(ref(repo))


def test_files_not_yet_scanned_are_scanned_before_the_model_loads(make_model, fresh_cache):
    repo = make_model(tiny.text_classifier, "clean")
    assert not FileScan.objects.exists()  # no worker ran: every file is still queued

    loaded = PipelineCache(budget=2**30).get(ref(repo))

    assert loaded is not None
    assert FileScan.objects.filter(kind="safetensors", status="safe").count() == 1
