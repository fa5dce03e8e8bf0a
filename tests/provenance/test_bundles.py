"""`manage.py bundle export|import`: a repo travels as one file with its history, LFS objects
and a manifest; a tampered or truncated bundle is refused whole, leaving no repo."""

import io
import json
import pickle
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from provenance.bundles import MANIFEST, BundleRefused, bundle_import
from provenance.models import RepoSource
from registry.gitstore import GitRepo
from registry.models import FileScan, Repo
from registry.repofiles import repo_file_at
from registry.services.refs import tag_create
from registry.services.repos import repo_create
from registry.services.scans import commit_scan, verdicts_of
from tests.conftest import make_user
from tests.hostile import Boom
from tests.provenance.signing import push

pytestmark = pytest.mark.django_db
WEIGHTS = b"weights:" + bytes(range(256)) * 400


@pytest.fixture
def alice():
    return make_user("alice")


@pytest.fixture
def exported(alice, tmp_path) -> tuple[Repo, Path]:
    """alice/model (two commits, an LFS file, a tag) exported to model.bundle."""
    repo = repo_create(user=alice, token=None, name="model", organization=None,
                       repo_type="model", private=False)  # fmt: skip
    first = push(repo, alice, {"model.bin": WEIGHTS}, lfs={"model.bin"})
    tag_create(user=alice, token=None, repo=repo, git=GitRepo(repo.storage_id), tag="v1",
               revision=first, message=None)  # fmt: skip
    push(repo, alice, {"config.json": b"{}"})
    path = tmp_path / "model.bundle"
    call_command("bundle", "export", "alice/model@main", str(path))
    return repo, path


def history(repo: Repo) -> list[str]:
    git = GitRepo(repo.storage_id)
    return [str(c.id) for c in git.walk_commits(git.ref_target("refs/heads/main"))]


def test_an_exported_bundle_imports_with_its_history_tags_objects_and_source(alice, exported):
    original, path = exported

    call_command("bundle", "import", str(path), "--user", "alice", "--to", "alice/airgapped")

    copy = Repo.objects.get(name="airgapped")
    git = GitRepo(copy.storage_id)
    assert history(copy) == history(original)
    assert git.refs("refs/tags/") == GitRepo(original.storage_id).refs("refs/tags/")
    assert repo_file_at(repo=copy, git=git, sha=copy.head_sha, path="model.bin").read(
        limit=10**6) == WEIGHTS  # fmt: skip
    source = RepoSource.objects.get(repo=copy)
    assert (source.via, source.url, source.source_repo) == ("bundle", "model.bundle", "alice/model")


def test_a_bundle_with_a_changed_byte_is_refused_whole(alice, exported):
    _, path = exported
    data = bytearray(path.read_bytes())
    at = data.index(WEIGHTS[:64]) + 100
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))

    with pytest.raises(BundleRefused, match="objects/.* differs from the bundle's manifest"):
        bundle_import(user=alice, path=path, to="alice/tampered")
    assert not Repo.objects.filter(name="tampered").exists()


def test_a_bundle_cut_short_is_refused_whole(alice, exported):
    _, path = exported
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    with pytest.raises(CommandError, match="cut short or damaged"):
        call_command("bundle", "import", str(path), "--user", "alice", "--to", "alice/short")
    assert not Repo.objects.filter(name="short").exists()


def test_a_bundle_whose_sha256_is_not_the_one_carried_apart_is_refused(alice, exported):
    _, path = exported

    with pytest.raises(BundleRefused, match="not the one expected"):
        bundle_import(user=alice, path=path, to="alice/other", expect_sha256="0" * 64)


def manifest_of(path: Path) -> dict:
    with tarfile.open(path) as tar:
        return json.loads(tar.extractfile(MANIFEST).read())


def manifest_rewrite(path: Path, change) -> None:
    """The bundle again with its manifest changed by `change` (its members as they were)."""
    with tarfile.open(path) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    manifest = json.loads(members.pop(MANIFEST))
    change(manifest)
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in [(MANIFEST, json.dumps(manifest).encode()), *members.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_a_bundle_carries_the_exporters_verdicts_and_the_importer_scans_before_publishing(
    alice, tmp_path
):
    repo = repo_create(user=alice, token=None, name="risky", organization=None,
                       repo_type="model", private=False)  # fmt: skip
    push(repo, alice, {"model.pkl": pickle.dumps(Boom()), "config.json": b"{}"})
    commit_scan(repo=repo, sha=repo.head_sha)
    path = tmp_path / "risky.bundle"
    call_command("bundle", "export", "alice/risky", str(path))
    assert manifest_of(path)["scans"]["model.pkl"]["status"] == "unsafe"
    # The importing hub has never seen these bytes: no verdict of its own yet.
    FileScan.objects.all().delete()
    # And the bundle's manifest claims the pickle is safe.
    manifest_rewrite(path, lambda m: m["scans"]["model.pkl"].update(status="safe"))
    said = []

    copy = bundle_import(user=alice, path=path, to="alice/risky-copy", report=said.append)

    git = GitRepo(copy.storage_id)
    files = [e for e in git.list_tree(copy.head_sha, recursive=True) if e.type == "file"]
    assert verdicts_of(entries=files)["model.pkl"].status == "unsafe"  # on arrival
    assert said == ["Scan verdicts differ: model.pkl: the bundle says safe, this hub's scan unsafe"]
