"""An organization that requires scans to pass: commits adding an unsafe file are scanned
before the ref moves and refused; other orgs' commits are scanned after they land."""

import io

import pytest
from django.core.management import CommandError, call_command

from registry.errors import ScanRefused
from registry.gitstore import Change, GitRepo
from registry.models import FileScan
from registry.services.accounts import org_scans_require
from registry.services.commits import commit_create
from registry.services.repos import repo_create

pytestmark = pytest.mark.django_db

ORG_PAGE = "/organizations/acme/members"
EVIL = b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00idq\x00\x85q\x01Rq\x02."  # never loaded


def commit(user, repo, files: dict[str, bytes]) -> str:
    git = GitRepo(repo.storage_id)
    changes = [Change("add", path, git.write_blob(data)) for path, data in files.items()]
    return commit_create(user=user, repo=repo, git=git, ref="refs/heads/main",
                         parent_commit=None, changes=changes, message="add")  # fmt: skip


@pytest.fixture
def guarded(alice, acme):
    org_scans_require(org=acme, required=True)
    return repo_create(user=alice, token=None, name="guarded", organization="acme",
                       repo_type="model", private=False)  # fmt: skip


def test_a_commit_adding_a_dangerous_pickle_is_refused_before_the_branch_moves(bob, guarded):
    head = GitRepo(guarded.storage_id).ref_target("refs/heads/main")

    with pytest.raises(ScanRefused, match="flags weights.pkl as unsafe"):
        commit(bob, guarded, {"weights.pkl": EVIL, "README.md": b"# hi\n"})

    assert GitRepo(guarded.storage_id).ref_target("refs/heads/main") == head


def test_a_commit_of_safe_files_lands_with_its_verdicts_already_stored(bob, guarded):
    commit(bob, guarded, {"notes.txt": b"nothing to see\n"})

    assert FileScan.objects.filter(kind="text", status="safe").exists()


def test_without_the_policy_the_commit_lands_and_is_scanned_afterwards(alice, acme):
    repo = repo_create(user=alice, token=None, name="open", organization="acme",
                       repo_type="model", private=False)  # fmt: skip

    sha = commit(alice, repo, {"weights.pkl": EVIL})

    assert GitRepo(repo.storage_id).entry(sha, "weights.pkl") is not None
    assert not FileScan.objects.exists()  # the worker scans it after the commit


def test_an_org_admin_turns_the_policy_on_from_the_members_page(client, alice, bob, acme):
    client.force_login(bob)
    assert client.post(ORG_PAGE, {"action": "scans", "scans_required": "on"}).status_code == 403
    client.force_login(alice)

    client.post(ORG_PAGE, {"action": "scans", "scans_required": "on"})

    acme.refresh_from_db()
    assert acme.scans_required is True
    assert 'name="scans_required" checked' in client.get(ORG_PAGE).content.decode()


def test_scanrepos_scans_what_every_branch_and_tag_holds_once_and_resumes(alice, acme):
    repo = repo_create(user=alice, token=None, name="older", organization="acme",
                       repo_type="model", private=False)  # fmt: skip
    commit(alice, repo, {"weights.pkl": EVIL})
    git = GitRepo(repo.storage_id)
    git.update_ref("refs/tags/v1", git.ref_target("refs/heads/main"), "0" * 40)
    commit(alice, repo, {"notes.txt": b"later\n"})  # main moves on; the tag keeps the pickle
    assert not FileScan.objects.exists()  # committed before any scan ran
    out = io.StringIO()

    call_command("scanrepos", "acme/older", stdout=out)
    call_command("scanrepos", stdout=out)

    assert "model acme/older: 3 files scanned" in out.getvalue()  # .gitattributes and both
    assert "model acme/older: 0 files scanned" in out.getvalue()  # the second run resumes
    assert FileScan.objects.get(kind="pickle").status == "unsafe"
    with pytest.raises(CommandError, match="No model acme/missing"):
        call_command("scanrepos", "acme/missing", stdout=out)
