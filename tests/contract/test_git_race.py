"""A git push and an API commit racing for main: one wins, the other is refused, none is lost.

The rounds cycle through three schedules: both started at the same moment; the API commit
landing after git read the remote refs but before it sent its pack (a client-side pre-push
hook holds the push there); and the API commit sent while the pack is on its way.
"""

import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.contract.conftest import commit_header, file_line, make_repo, ndjson, post_commit, wire
from tests.contract.gitcli import GitCli, remote

pytestmark = pytest.mark.live

ROUNDS = 15
MiB = 1024 * 1024

_HOOK = """\
import os, socket
with socket.socket(socket.AF_UNIX) as gate:
    gate.connect(os.environ["RACE_GATE"])
    gate.recv(1)
"""


def in_threads(*calls: Callable) -> list:
    """Runs the calls in threads released at the same moment; returns their results."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        start.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


class PrePushGate:
    """A client-side pre-push hook that waits for the test: git has read the remote's refs
    (so it will ask the hub to move main from the old head) and has not sent its pack yet."""

    def __init__(self, folder: Path):
        hooks = folder / "hooks"
        hooks.mkdir()
        (hooks / "pre-push").write_text(f"#!{sys.executable}\n{_HOOK}")
        (hooks / "pre-push").chmod(0o755)
        self.hooks = hooks
        self.address = str(folder / "gate.sock")
        self._listener = socket.socket(socket.AF_UNIX)
        self._listener.bind(self.address)
        self._listener.listen(1)
        self._listener.settimeout(60)

    def hold(self, push: Callable, commit: Callable, *, overlap: bool) -> list:
        """Runs `push` through the hook; there, starts `commit`, and lets the push go on once
        the commit is done, or (`overlap`) at once, the commit then racing the pack."""
        results: list = [None, None]
        pushing = threading.Thread(target=lambda: results.__setitem__(0, push(self)))
        committing = threading.Thread(target=lambda: results.__setitem__(1, commit()))
        pushing.start()
        conn, _ = self._listener.accept()
        with conn:
            committing.start()
            if not overlap:
                committing.join()
            conn.sendall(b"g")
        committing.join()
        pushing.join()
        return results


def test_a_push_and_an_api_commit_on_the_same_parent_never_both_land(
    hub, alice, repo_name, tmp_path
):
    repo_id = make_repo(hub, alice, repo_name)
    api, git = alice.api(hub), GitCli(tmp_path / "home")
    gate = PrePushGate(tmp_path)
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)
    checkout = tmp_path / "clone"
    landed = set()
    with wire(hub, alice) as client:
        for number in range(ROUNDS):
            parent = git.out("rev-parse", "HEAD", cwd=checkout)
            pushed_sha = git.commit_files(checkout, {f"git-{number}.txt": b"git\n"}, "By git")
            schedule = number % 3
            # In the third schedule the API commit carries 4 MiB, so the push can win too.
            content = b"api\n" * (MiB if schedule == 2 else 1)
            body = ndjson(commit_header("By the API", parentCommit=parent),
                          file_line(f"api-{number}.txt", content))  # fmt: skip

            def push(gate: PrePushGate | None = None):
                if gate is None:
                    return git("push", "origin", "main", cwd=checkout, check=False)
                return git("-c", f"core.hooksPath={gate.hooks}", "push", "origin", "main",
                           cwd=checkout, check=False, RACE_GATE=gate.address)  # fmt: skip

            def commit(body=body):
                return post_commit(client, repo_id, body)

            if schedule == 0:
                pushed, committed = in_threads(push, commit)
            else:
                pushed, committed = gate.hold(push, commit, overlap=schedule == 2)

            assert (pushed.returncode == 0) != (committed.status_code == 200), (
                pushed.stderr,
                committed.text,
            )
            if pushed.returncode == 0:
                landed.add(f"git-{number}.txt")
                assert committed.status_code == 412
                assert api.model_info(repo_id).sha == pushed_sha
            else:
                landed.add(f"api-{number}.txt")
                assert api.model_info(repo_id).sha == committed.json()["commitOid"]
                assert "fetch first" in pushed.stderr or "moved while you pushed" in pushed.stderr
            if schedule == 1:  # the hub, not git, saw main move under the push
                assert "remote: refs/heads/main moved while you pushed" in pushed.stderr
            git("fetch", "origin", cwd=checkout)
            git("reset", "--hard", "origin/main", cwd=checkout)

    assert set(api.list_repo_files(repo_id)) == {".gitattributes", *landed}
    git("clone", "--no-local", remote(hub, repo_id), "verify", cwd=tmp_path)
    git("fsck", "--full", "--strict", cwd=tmp_path / "verify")


def test_a_push_and_an_api_commit_without_a_parent_both_land(hub, alice, repo_name, tmp_path):
    """Without parentCommit the API commit goes on top of whatever won; nothing is lost."""
    repo_id = make_repo(hub, alice, repo_name)
    api, git = alice.api(hub), GitCli(tmp_path / "home")
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)
    checkout = tmp_path / "clone"
    with wire(hub, alice) as client:
        for number in range(ROUNDS):
            git.commit_files(checkout, {f"git-{number}.txt": b"git\n"}, "By git")
            body = ndjson(commit_header("By the API"), file_line(f"api-{number}.txt", b"api\n"))

            pushed, committed = in_threads(
                lambda: git("push", "origin", "main", cwd=checkout, check=False),
                lambda body=body: post_commit(client, repo_id, body),
            )

            assert committed.status_code == 200, committed.text
            if pushed.returncode != 0:  # the API commit came first: git asks to integrate it
                git("pull", "--rebase", "origin", "main", cwd=checkout)
                git("push", "origin", "main", cwd=checkout)
            git("pull", "--rebase", "origin", "main", cwd=checkout)

    files = set(api.list_repo_files(repo_id))
    assert all(f"git-{n}.txt" in files and f"api-{n}.txt" in files for n in range(ROUNDS))
