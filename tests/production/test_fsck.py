"""`manage.py fsck`: finds what disagrees between git, the blob store and the database, and
with --repair fixes what it can without losing or exposing anything."""

import hashlib
import os
import uuid

import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import RemoteEntryNotFoundError

from tests.production.conftest import start_hub

pytestmark = pytest.mark.live

CARD = "---\nlicense: mit\ntags: [fsck-tag]\n---\n# A card\n"


@pytest.fixture
def hub(tmp_path):
    live = start_hub(tmp_path / "hub")
    yield live
    live.close()


def shell(hub, code: str) -> str:
    return hub.manage("shell", "-c", code).stdout


def make(api: HfApi, name: str, files: dict[str, bytes], **options) -> str:
    repo = api.create_repo(f"{name}-{uuid.uuid4().hex[:6]}", **options).repo_id
    for path, data in files.items():
        api.upload_file(path_or_fileobj=data, path_in_repo=path, repo_id=repo)
    return repo


def fsck(hub, *args: str) -> tuple[int, list[str]]:
    result = hub.manage("fsck", *args, check=False)
    return result.returncode, result.stdout.splitlines()


def lines_about(lines: list[str], repo: str) -> list[str]:
    return [line for line in lines if f":{repo}:" in line]


def test_a_consistent_hub_passes(hub):
    api = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    make(api, "clean", {"README.md": CARD.encode(), "w.bin": os.urandom(3000)})

    code, lines = fsck(hub)

    assert (code, lines) == (0, ["fsck: 0 problem(s), 0 left"])


def test_it_reports_every_disagreement_and_repairs_what_it_can(hub):
    api = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    unlinked = make(api, "unlinked", {"README.md": CARD.encode(), "a.bin": os.urandom(4000)})
    lost_bytes = make(api, "lost-bytes", {"b.bin": os.urandom(5000)})
    no_git = make(api, "no-git", {})
    bad_ref = make(api, "bad-ref", {})
    clean = make(api, "clean", {"c.bin": os.urandom(1000)})
    shell(
        hub,
        f"""
import shutil
from registry.blobs import blob_store
from registry.gitstore import repo_dir
from registry.models import LfsObject, Repo, RepoTag
def repo(repo_id):
    return Repo.objects.get(namespace__name="alice", name=repo_id.split("/")[1])
LfsObject.objects.filter(repo=repo("{unlinked}")).delete()
RepoTag.objects.filter(repo=repo("{unlinked}")).delete()
Repo.objects.filter(pk=repo("{unlinked}").pk).update(card_data={{}}, head_sha="0" * 40)
for link in LfsObject.objects.filter(repo=repo("{lost_bytes}")):
    blob_store().delete(link.oid)
shutil.rmtree(repo_dir(repo("{no_git}").storage_id))
git_dir = repo_dir(repo("{bad_ref}").storage_id)
(git_dir / "refs" / "heads" / "broken").write_text("12" * 20 + "\\n")
""",
    )

    code, found = fsck(hub)
    repair_code, repaired = fsck(hub, "--repair")
    final_code, left = fsck(hub)

    assert code == 1
    assert lines_about(found, unlinked) == [
        f"model:{unlinked}: LFS object {_oid(api, unlinked, 'a.bin')} is stored but not linked "
        "to the repo (--repair links it)",
        f"model:{unlinked}: the index disagrees with git on head_sha, card_data, tags "
        "(--repair re-reads it)",
    ]
    assert any("missing from storage" in line for line in lines_about(found, lost_bytes))
    assert lines_about(found, no_git) == [
        f"model:{no_git}: git repository is missing (--repair removes the row)"
    ]
    assert "refs/heads/broken points at missing object" in " ".join(lines_about(found, bad_ref))
    assert lines_about(found, clean) == []
    assert repair_code == 1 and all(
        line.endswith("(repaired)") for line in lines_about(repaired, unlinked)
    )
    assert lines_about(repaired, no_git)[0].endswith("removed the row (repaired)")
    assert final_code == 1
    assert lines_about(left, unlinked) == [] and lines_about(left, no_git) == []
    assert lines_about(left, lost_bytes) and lines_about(left, bad_ref)
    info = api.model_info(unlinked)
    assert info.card_data["license"] == "mit" and "fsck-tag" in info.tags
    assert hf_hub_download(unlinked, "a.bin", endpoint=hub.url, token=hub.tokens["alice"])


def test_repair_never_links_bytes_only_a_private_repo_elsewhere_holds(hub):
    charlie = HfApi(endpoint=hub.url, token=hub.tokens["charlie"])
    secret = os.urandom(2000)
    make(charlie, "secret", {"s.bin": secret}, private=True)
    oid = hashlib.sha256(secret).hexdigest()
    alice = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    repo = make(alice, "pointer", {})
    # A pointer no upload proved, written to git behind the hub's back (the API and pushes
    # refuse one): what a repository restored from elsewhere might hold.
    shell(
        hub,
        f"""
from registry.gitstore import Change, GitRepo, pointer_bytes
from registry.models import Repo
git = GitRepo(Repo.objects.get(namespace__name="alice", name="{repo.split("/")[1]}").storage_id)
head = git.ref_target("refs/heads/main")
blob = git.write_blob(pointer_bytes("{oid}", 2000))
sha = git.write_commit(parent=head, changes=[Change("add", "stolen.bin", blob)],
                       message="pointer", author=("mallory", "m@example.com"))
git.update_ref("refs/heads/main", sha, head)
""",
    )

    _, found = fsck(hub, "--repair")

    assert (
        f"model:{repo}: LFS object {oid} is stored but not linked to the repo; only private "
        "repos elsewhere hold it (left alone)"
    ) in lines_about(found, repo)
    with pytest.raises(RemoteEntryNotFoundError):
        hf_hub_download(repo, "stolen.bin", endpoint=hub.url, token=hub.tokens["alice"])


def _oid(api: HfApi, repo: str, path: str) -> str:
    return api.get_paths_info(repo, [path])[0].lfs.sha256
