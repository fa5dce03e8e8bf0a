"""model_info keeps what a commit pins down (safetensors parameter counts once every header
has a verdict) and what the repo's info version pins down (the signature verdict, an
import's source), so a second answer costs one query: the repo, with its permission check.
A verdict that changes moves the version, and the next answer shows it at once."""

import numpy as np
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from safetensors.numpy import save

from provenance import services as provenance
from registry.blobs import blob_store
from registry.memo import Memo
from registry.models import Repo
from registry.services import scans
from registry.services.scans import commit_scan
from tests.web.conftest import commit_files, commit_lfs, make_repo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    monkeypatch.setattr(provenance, "_infos", Memo(entries=100))
    monkeypatch.setattr(scans, "_safetensors_answers", Memo(entries=100))


def info(client: Client) -> dict:
    return client.get("/api/models/alice/kept").json()


def test_a_second_answer_is_one_query_and_the_same(alice, client):
    repo = make_repo(alice, "kept")
    commit_files(repo, alice, {"config.json": b"{}"})
    commit_lfs(repo, alice, "model.safetensors", save({"w": np.zeros((3, 3), np.float32)}))
    repo.refresh_from_db()
    commit_scan(repo=repo, sha=repo.head_sha)
    first = info(client)

    with CaptureQueriesContext(connection) as queries:
        again = info(client)

    assert again == first and first["safetensors"] == {"parameters": {"F32": 9}, "total": 9}
    assert [q["sql"].split(" FROM ")[1].split()[0] for q in queries] == ['"registry_repo"']


def test_a_signature_verdict_that_changes_shows_at_once(alice, client):
    repo = make_repo(alice, "kept")
    repo.refresh_from_db()
    check = provenance.signature_check_request(repo=repo, sha=repo.head_sha)
    assert info(client)["provenance"]["signature"]["status"] == "pending"
    version = Repo.objects.get(pk=repo.pk).info_version

    provenance.signature_check_run(check_pk=check.pk)

    assert info(client)["provenance"]["signature"]["status"] == "unsigned"
    assert Repo.objects.get(pk=repo.pk).info_version == version + 1


def test_parameter_counts_are_not_kept_while_a_header_waits_for_its_verdict(alice, client):
    repo = make_repo(alice, "kept")
    oid = commit_lfs(repo, alice, "model.safetensors", save({"w": np.zeros((2, 2), np.float32)}))
    repo.refresh_from_db()
    scans.FileScan.objects.all().delete()
    stored = blob_store().path(oid)
    away = stored.with_name(stored.name + ".away")
    stored.rename(away)  # bytes the hub does not hold (yet): no verdict can be given

    assert info(client)["safetensors"] is None
    away.rename(stored)

    assert info(client)["safetensors"]["total"] == 4  # scanned by the answer itself
    assert scans.FileScan.objects.count() == 1
