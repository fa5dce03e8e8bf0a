"""A `uv run <url>` job's script is read from the repo by the hub, not through /resolve: a
private repo's script read that way is an audit event all the same."""

import pytest

from audit.models import AuditEvent
from audit.services import spool_flush
from jobs.services import script_read
from registry.gitstore import Change, GitRepo
from registry.permissions import Actor
from registry.services.commits import commit_create
from registry.services.repos import repo_create
from tests.personas import make_user

pytestmark = pytest.mark.django_db
HUB = "http://hub.test"


def _repo_with_script(owner, name: str, *, private: bool):
    repo = repo_create(user=owner, token=None, name=name, organization=None,
                       repo_type="model", private=private)  # fmt: skip
    git = GitRepo(repo.storage_id)
    commit_create(user=owner, repo=repo, git=git, ref="refs/heads/main", parent_commit=None,
                  changes=[Change("add", "moo.py", git.write_blob(b"print('moo')\n"))],
                  message="A script\n")  # fmt: skip
    return repo


def test_a_private_repos_script_read_for_a_job_is_an_audit_event(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.HUB_DATA_DIR = tmp_path
    spool_flush()
    alice = make_user("alice")
    _repo_with_script(alice, "tools", private=True)
    _repo_with_script(alice, "open-tools", private=False)

    with django_capture_on_commit_callbacks(execute=True):
        for name in ("tools", "open-tools"):
            url = f"{HUB}/alice/{name}/resolve/main/moo.py"
            assert script_read(actor=Actor(alice), url=url, hub_url=HUB)[1] == "print('moo')\n"
    spool_flush()

    reads = AuditEvent.objects.filter(action="repo.read")
    assert [(e.actor, e.repo, e.path, e.bytes, e.detail) for e in reads] == [
        ("alice", "alice/tools", "moo.py", 13, {"via": "job-script"})
    ]
