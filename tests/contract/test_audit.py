"""The audit log after a scripted day of activity on the session hub: writes by every path,
access changes, failed authentications and reads of private and gated files, each checked
in the export acme's admin downloads, in the operator's `manage.py auditexport`, and on the
page. Then processes die with events in their spools, and nothing is lost.
"""

import json
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx2 as httpx
import pytest
from huggingface_hub import constants, hf_hub_download

from tests.contract.conftest import make_repo, wire, xet_disabled
from tests.contract.gitcli import GitCli, remote
from tests.contract.helpers import commit_files
from tests.live import wait_until

pytestmark = pytest.mark.live

CONFIG = b'{"model_type": "audited"}\n'
WEIGHTS = os.urandom(64 * 1024)
GATED = b"gated weights\n"


@contextmanager
def _signed_in(hub, name: str) -> Iterator[httpx.Client]:
    """A browser-like session (cookies, CSRF), as the pages that manage accounts want."""
    with httpx.Client(base_url=hub.url, timeout=30, follow_redirects=False) as client:
        client.get("/login")
        sent = _post_form(client, "/login", username=name, password=f"pw-{name}-12345")
        assert sent.status_code == 302, sent.text[:300]
        yield client


def _post_form(client: httpx.Client, url: str, **fields) -> httpx.Response:
    return client.post(url, data={**fields, "csrfmiddlewaretoken": client.cookies["csrftoken"]})


def _export(hub, persona, **filters) -> list[dict]:
    with wire(hub, persona, read_only=True) as client:
        answer = client.get("/api/organizations/acme/audit-log", params=filters)
    assert answer.status_code == 200, answer.text
    return [json.loads(line) for line in answer.text.splitlines()]


def _operator_export(hub, *args: str) -> list[dict]:
    printed = hub.manage("auditexport", *args).stdout
    return [json.loads(line) for line in printed.splitlines()]


class Day:
    """What the day did, and the log's events of it."""

    def __init__(self, vault: str, gated: str, public: str, shas: dict, token_value: str):
        self.vault, self.gated, self.public = vault, gated, public
        self.shas, self.token_value = shas, token_value
        self.org: list[dict] = []
        self.everything: list[dict] = []

    def of(self, action: str, **fields) -> list[dict]:
        """The operator's export holds every event; acme's holds acme's only."""
        return [
            e
            for e in self.everything
            if e["action"] == action and all(e.get(k) == v for k, v in fields.items())
        ]


def _reads(hub, alice, bob, charlie, vault: str, gated: str, tmp, shas: dict) -> None:
    with wire(hub, bob, read_only=True) as client:
        shas["config"] = client.get(f"/{vault}/resolve/main/config.json").headers["X-Repo-Commit"]
        ranged = client.get(f"/{vault}/resolve/main/config.json", headers={"Range": "bytes=0-4"})
        assert ranged.status_code == 206
    # The stock client with hf_xet: the bytes come through the Xet store's reconstructions.
    path = hf_hub_download(vault, "weights.bin", endpoint=hub.url, token=bob.token,
                           cache_dir=tmp / "cache-bob")  # fmt: skip
    assert Path(path).read_bytes() == WEIGHTS
    with wire(hub, charlie) as client:
        assert client.post(f"/{gated}/ask-access", data={}).status_code in (200, 302)
    alice.api(hub).accept_access_request(gated, "charlie")
    with xet_disabled():
        path = hf_hub_download(gated, "gated.bin", endpoint=hub.url, token=charlie.token,
                               cache_dir=tmp / "cache-charlie")  # fmt: skip
    assert Path(path).read_bytes() == GATED


def _git(hub, bob, vault: str, tmp) -> None:
    git = GitCli(tmp / "git-home")
    checkout = tmp / "checkout"
    git("clone", "--quiet", remote(hub, vault, token=bob.token), str(checkout))
    assert (checkout / "weights.bin").read_bytes() == WEIGHTS  # git-lfs fetched it
    git.commit_files(checkout, {"pushed.txt": b"from git\n"}, "a push")
    git("push", "--quiet", "origin", "main", cwd=checkout)
    refused = git("clone", "--quiet", remote(hub, vault, token="hf_notatoken"),
                  str(tmp / "refused"), check=False)  # fmt: skip
    assert refused.returncode != 0


def _writes(hub, alice, bob, vault: str, gated: str, shas: dict) -> None:
    api = alice.api(hub)
    api.create_branch(vault, branch="dev")
    api.create_tag(vault, tag="v1")
    api.delete_branch(vault, branch="dev")
    api.delete_tag(vault, tag="v1")
    proposal = commit_files(bob.api(hub), vault, {"proposal.txt": "bob's idea\n"}, create_pr=True)
    api.merge_pull_request(vault, proposal.pr_num)
    shas["merge"] = proposal.pr_num
    api.update_repo_settings(vault, private=False)
    api.update_repo_settings(vault, private=True)
    api.delete_file("pushed.txt", vault)
    api.delete_repo(gated)


def _accounts(hub) -> str:
    """Token created and revoked, a member added and removed, by alice's browser session;
    a wrong password and a bad token. Returns the new token's value."""
    with _signed_in(hub, "alice") as alice:
        created = _post_form(alice, "/settings/tokens", name="audit-ci", role="read")
        value = re.search(r'id="new-token">(hf_[A-Za-z]+)<', created.text).group(1)
        row = re.search(r"<td>audit-ci</td>.*?/settings/tokens/([0-9a-f-]{36})/revoke",
                        created.text, flags=re.S)  # fmt: skip
        assert _post_form(alice, f"/settings/tokens/{row.group(1)}/revoke").status_code == 302
        members = "/organizations/acme/members"
        assert _post_form(alice, members, username="charlie", role="read").status_code == 302
        assert _post_form(alice, members, action="remove", username="charlie").status_code == 302
    with httpx.Client(base_url=hub.url, timeout=30) as anonymous:
        anonymous.get("/login")
        csrf = anonymous.cookies["csrftoken"]
        wrong = {"username": "alice", "password": "guess", "csrfmiddlewaretoken": csrf}
        assert anonymous.post("/login", data=wrong).status_code == 200
        bad = anonymous.get("/api/whoami-v2", headers={"Authorization": "Bearer hf_bogus"})
        assert bad.status_code == 401
    return value


@pytest.fixture(scope="module")
def day(hub, alice, bob, charlie, tmp_path_factory) -> Day:
    tmp = tmp_path_factory.mktemp("audit-day")
    suffix = os.urandom(3).hex()
    vault = make_repo(hub, alice, f"vault-{suffix}", namespace="acme", private=True)
    gated = make_repo(hub, alice, f"gated-{suffix}", namespace="acme")
    api = alice.api(hub)
    shas: dict = {}
    with pytest.MonkeyPatch.context() as patch:  # the stock client: hf_xet on
        patch.setattr(constants, "HF_HUB_DISABLE_XET", False)
        commit_files(api, vault, {"config.json": CONFIG, "weights.bin": WEIGHTS})
        with xet_disabled():
            commit_files(api, gated, {"gated.bin": GATED})
        api.update_repo_settings(gated, gated="manual")
        _reads(hub, alice, bob, charlie, vault, gated, tmp, shas)
    _git(hub, bob, vault, tmp)
    _writes(hub, alice, bob, vault, gated, shas)
    # Reads of a public repo are no events: the count of its reads must stay at zero.
    public = make_repo(hub, alice, f"public-{suffix}", namespace="acme")
    with wire(hub, bob) as client:
        client.get(f"/{public}/resolve/main/.gitattributes")
    record = Day(vault, gated, public, shas, _accounts(hub))

    def in_acme() -> bool:
        record.org = _export(hub, alice, since=datetime.now(UTC).date().isoformat())
        return any(e["action"] == "member.remove" for e in record.org)

    def everywhere() -> bool:  # a command's start is slow: asked once, unless still short
        record.everything = _operator_export(hub)
        return {"password", "bearer"} <= {
            e["detail"].get("method") for e in record.of("auth.failed")
        }

    wait_until(in_acme, timeout=60, interval=0.3, message="the day's events in acme's log")
    wait_until(everywhere, timeout=60, interval=1, message="the day's failed sign-ins")
    return record


def test_a_private_file_read_names_reader_token_revision_path_bytes_and_address(day):
    (whole,) = day.of("repo.read", path="config.json", bytes=len(CONFIG))
    assert whole["actor"] == "bob" and whole["tokenName"] == "read"
    assert whole["revision"] == day.shas["config"] and whole["repo"] == day.vault
    assert whole["address"] == "127.0.0.1" and whole["tokenId"]


def test_a_ranged_read_counts_the_bytes_of_the_range(day):
    assert day.of("repo.read", path="config.json", bytes=5)


def test_a_xet_download_is_recorded_with_the_bytes_reconstructed(day):
    (xet,) = day.of("repo.read.xet", repo=day.vault)
    assert xet["actor"] == "bob" and xet["bytes"] == len(WEIGHTS)


def test_a_git_clone_and_its_lfs_objects_are_reads(day):
    assert day.of("repo.clone", repo=day.vault, actor="bob")
    lfs = day.of("repo.read.lfs", repo=day.vault, actor="bob")
    assert lfs and lfs[0]["bytes"] == len(WEIGHTS)


def test_a_gated_file_downloaded_after_access_was_granted_is_recorded(day):
    (decided,) = day.of("access.decide", repo=day.gated)
    assert decided["detail"] == {"requester": "charlie", "status": "accepted"}
    (read,) = day.of("repo.read", repo=day.gated, path="gated.bin")
    assert read["actor"] == "charlie" and read["bytes"] == len(GATED)


def test_reads_of_a_public_repo_are_not_recorded(day):
    assert not [e for e in day.org if e["repo"] == day.public and e["action"] != "repo.create"]


def test_every_write_path_is_recorded_with_its_actor(day):
    assert day.of("repo.create", repo=day.vault, actor="alice")
    assert len(day.of("repo.commit", repo=day.vault)) >= 3  # upload, PR commit, deletion
    (push,) = day.of("repo.push", repo=day.vault, actor="bob")
    assert push["detail"]["updatedRefs"][0]["ref"] == "refs/heads/main"
    (merge,) = day.of("repo.merge", repo=day.vault, actor="alice")
    assert merge["detail"]["pr"] == day.shas["merge"] and merge["detail"]["newSha"]
    assert day.of("repo.delete", repo=day.gated, actor="alice")


def test_branch_and_tag_changes_are_recorded(day):
    for action, ref in [
        ("branch.create", "refs/heads/dev"),
        ("branch.delete", "refs/heads/dev"),
        ("tag.create", "refs/tags/v1"),
        ("tag.delete", "refs/tags/v1"),
    ]:
        assert [e["detail"]["ref"] for e in day.of(action, repo=day.vault)] == [ref], action


def test_visibility_changes_are_recorded_in_order(day):
    changes = [e["detail"]["private"] for e in day.of("repo.settings", repo=day.vault)]
    assert changes == [False, True]


def test_tokens_created_and_revoked_are_recorded_by_id_never_by_value(day):
    (created,) = [
        e for e in day.of("token.create", actor="alice") if e["detail"]["name"] == "audit-ci"
    ]
    (revoked,) = day.of("token.revoke", actor="alice", namespace="")
    assert created["detail"]["tokenId"] == revoked["detail"]["tokenId"]
    assert created["namespace"] == "" and created["detail"]["role"] == "read"
    assert day.token_value not in json.dumps(day.everything)


def test_members_added_and_removed_are_recorded_for_the_organization(day):
    (added,) = day.of("member.set", detail={"member": "charlie", "role": "read"})
    assert added["actor"] == "alice" and added["namespace"] == "acme"
    assert added in day.org  # what acme's admins export
    assert day.of("member.remove", detail={"member": "charlie"})


def test_failed_authentications_are_recorded_with_their_method(day):
    methods = {e["detail"].get("method") for e in day.of("auth.failed")}
    assert {"password", "bearer", "basic"} <= methods
    (password,) = [e for e in day.of("auth.failed") if e["detail"].get("username") == "alice"]
    assert password["address"] == "127.0.0.1" and password["actor"] == ""


def test_the_export_filters_by_actor_action_and_repo(hub, day, alice):
    reads = _export(hub, alice, actor="bob", action="repo.read", repo=day.vault)
    assert reads and {(e["actor"], e["repo"]) for e in reads} == {("bob", day.vault)}
    assert {e["action"] for e in reads} >= {"repo.read", "repo.read.xet", "repo.read.lfs"}
    assert _export(hub, alice, until="2000-01-01") == []


def test_only_the_organizations_admins_read_its_audit_log(hub, day, bob, charlie, anonymous):
    expected = {"bob": 403, "charlie": 403, "anonymous": 401}
    for persona in (bob, charlie, anonymous):
        with wire(hub, persona) as client:
            answer = client.get("/api/organizations/acme/audit-log")
        assert answer.status_code == expected[persona.name], persona.name
        assert day.vault not in answer.text


def test_the_operator_export_narrows_to_an_organization_and_a_day(hub, day):
    today = datetime.now(UTC).date().isoformat()
    acme = _operator_export(hub, "--org", "acme", "--since", today, "--until", today)
    assert {e["namespace"] for e in acme} == {"acme"}
    assert {e["id"] for e in day.org} <= {e["id"] for e in acme}
    assert _operator_export(hub, "--org", "acme", "--until", "2000-01-01") == []


def test_the_page_shows_the_filtered_events_and_a_download_button(hub, day):
    with _signed_in(hub, "alice") as alice:
        page = alice.get("/organizations/acme/audit", params={"actor": "charlie"})
        download = alice.get(
            "/api/organizations/acme/audit-log", params={"actor": "charlie", "download": "1"}
        )
    assert page.status_code == 200 and day.gated in page.text and "gated.bin" in page.text
    assert "bob" not in re.sub(r"<form.*?</form>", "", page.text, flags=re.S).split("<tbody>")[1]
    assert "Download JSON Lines" in page.text
    assert "attachment" in download.headers["Content-Disposition"]
    assert {json.loads(line)["actor"] for line in download.text.splitlines()} == {"charlie"}


def _children(pid: int | str, pattern: str = "") -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid), *(["-f", pattern] if pattern else [])],
                           capture_output=True, text=True).stdout  # fmt: skip
    return [int(child) for child in found.split()]


def _web_workers(hub) -> list[int]:
    """The gunicorn workers: children of the gunicorn master that `serve` started."""
    (master,) = _children(hub.process.pid, "gunicorn")
    return _children(master)


def test_events_of_a_process_killed_before_its_flush_are_in_the_log(hub, alice):
    # A process with no flusher (a shell) appends to its spool and dies by SIGKILL: only
    # the ingestion of dead processes' spools can bring its event to the log.
    script = (
        "import os, signal\n"
        "from registry.services.accounts import user_get\n"
        "from registry.services.tokens import token_create\n"
        "token_create(user=user_get(name='alice'), name='killed-shell', role='read')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    assert hub.manage("shell", "-c", script, check=False).returncode == -signal.SIGKILL
    wait_until(
        lambda: [e for e in _operator_export(hub) if e["detail"].get("name") == "killed-shell"],
        timeout=30,
        message="the killed shell's event",
    )


def test_reads_served_by_a_web_worker_killed_at_once_are_in_the_log_after_restart(hub, alice):
    vault = make_repo(hub, alice, f"crash-{os.urandom(3).hex()}", namespace="acme", private=True)
    commit_files(alice.api(hub), vault, {"config.json": CONFIG})
    with wire(hub, alice) as client:
        for _ in range(20):
            assert client.get(f"/{vault}/resolve/main/config.json").status_code == 200
    for pid in _web_workers(hub):
        os.kill(pid, signal.SIGKILL)

    def recorded() -> int:
        """The reads in the log, once gunicorn's new workers answer (they boot slowly)."""
        try:
            with wire(hub, alice) as client:
                answer = client.get("/api/organizations/acme/audit-log", params={"repo": vault})
        except httpx.TransportError:
            return 0
        if answer.status_code != 200:
            return 0
        return sum(json.loads(line)["action"] == "repo.read" for line in answer.text.splitlines())

    wait_until(lambda: recorded() == 20, timeout=180, interval=1, message="20 reads in the log")
