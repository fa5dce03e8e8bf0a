"""`manage.py bundle export|import`: a repo travels as one file with its history, LFS objects
and a manifest; a tampered or truncated bundle is refused whole, leaving no repo."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from provenance.bundles import BundleRefused, bundle_import
from provenance.models import RepoSource
from registry.gitstore import GitRepo
from registry.models import Repo
from registry.repofiles import repo_file_at
from registry.services.refs import tag_create
from registry.services.repos import repo_create
from tests.conftest import make_user
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
