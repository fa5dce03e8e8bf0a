"""A web process killed in the middle of a git push leaves nothing running, and the next
`manage.py serve` start clears what a killed process left on disk, and only that."""

import fcntl
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest
from huggingface_hub import HfApi

from tests.contract.gitcli import GitCli, remote
from tests.live import LiveHub, wait_until

pytestmark = pytest.mark.live

LONG_AGO = time.time() - 3 * 3600
_REPO_DIR = """
from registry.gitstore import repo_dir
from registry.models import Repo
print(repo_dir(Repo.objects.get(namespace__name="alice", name="{name}").storage_id))
"""
# A process of the hub opens a push's gate, then ends without a word, as SIGKILL ends it.
_KILLED_PUSH = """
import os
from registry.gitstore import GitRepo
from registry.gitstore.push import PushGate
from registry.models import Repo
repo = Repo.objects.get(namespace__name="alice", name="{name}")
print(PushGate(GitRepo(repo.storage_id), decide=None).folder, flush=True)
os._exit(0)
"""


@pytest.fixture(scope="module")
def crash_hub(tmp_path_factory):
    """A hub of this module's own: its web processes get killed."""
    hub = LiveHub(tmp_path_factory.mktemp("crash-hub")).start().add_accounts()
    yield hub
    hub.close()


@pytest.fixture
def api(crash_hub) -> HfApi:
    return HfApi(endpoint=crash_hub.url, token=crash_hub.tokens["alice"])


def make_repo(hub: LiveHub, api: HfApi, name: str) -> tuple[str, Path]:
    """alice's model: its id and its git repository on disk."""
    repo_id = api.create_repo(f"alice/{name}").repo_id
    printed = hub.manage("shell", "-c", _REPO_DIR.format(name=name)).stdout
    return repo_id, Path(printed.strip().splitlines()[-1]).resolve()


def clone(hub: LiveHub, repo_id: str, tmp_path: Path) -> tuple[GitCli, Path]:
    git = GitCli(tmp_path / "home")
    git("clone", remote(hub, repo_id, token=hub.tokens["alice"], user="alice"), "clone",
        cwd=tmp_path)  # fmt: skip
    return git, tmp_path / "clone"


@contextmanager
def write_lock_held(repo: Path) -> Iterator[None]:
    """The repo's write lock, taken as a slow API commit of another web process takes it:
    a push's hook then waits for the hub's answer."""
    with open(repo / "minihub-write.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def processes_in(repo: Path) -> list[psutil.Process]:
    """Running processes whose working directory is the repository: git's and its hook's."""
    found = []
    for process in psutil.process_iter(["cwd", "cmdline"]):
        if process.info["cwd"] and Path(process.info["cwd"]) == repo and running(process):
            found.append(process)
    return found


def running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def the_waiting_hook(repo: Path) -> psutil.Process | None:
    hooks = [p for p in processes_in(repo) if any("pre-receive" in a for a in p.info["cmdline"])]
    return hooks[0] if hooks else None


def test_a_web_process_killed_while_the_hook_waits_leaves_no_git_running(crash_hub, api, tmp_path):
    repo_id, repo = make_repo(crash_hub, api, "killed-mid-push")
    git, checkout = clone(crash_hub, repo_id, tmp_path)
    git.commit_files(checkout, {"weights.txt": b"first try\n"}, "Add weights")

    with write_lock_held(repo):
        push = subprocess.Popen(["git", "push", "origin", "main"], cwd=checkout, env=git.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        hook = wait_until(lambda: the_waiting_hook(repo), timeout=60, message="the hook")
        receive_pack = psutil.Process(hook.ppid())
        web = psutil.Process(receive_pack.ppid())
        assert "receive-pack" in receive_pack.cmdline() and "gunicorn" in web.cmdline()

        web.kill()  # SIGKILL: the web process runs no cleanup of its own

        # git's HTTP client may send the push again, to the other web process: that one
        # waits for the lock held here, with a receive-pack and a hook of its own.
        wait_until(lambda: not running(receive_pack) and not running(hook), timeout=20,
                   message="the killed web process's receive-pack and hook to end")  # fmt: skip

    push.wait(timeout=120)
    head = git.commit_files(checkout, {"weights.txt": b"second try\n"}, "Fix weights")
    git("push", "origin", "main", cwd=checkout)
    assert api.model_info(repo_id).sha == head
    assert api.list_repo_files(repo_id) == [".gitattributes", "weights.txt"]
    assert processes_in(repo) == []


def make(path: Path, *, folder: bool = False, when: float | None = None) -> Path:
    """A file (or a folder with a file in it), last changed at `when` (default: now)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if folder:
        path.mkdir()
        (path / "pack").mkdir()
        (path / "pack" / "tmp_pack_Ab12Cd").write_bytes(b"PACK half written")
    else:
        path.write_bytes(b"")
    if when is not None:
        for inside in [*path.rglob("*"), path]:
            os.utime(inside, (when, when))
    return path


def test_serve_clears_at_start_only_what_killed_processes_left(crash_hub, api, tmp_path):
    repo_id, repo = make_repo(crash_hub, api, "restarted")
    api.create_branch(repo_id, branch="dev")
    crash_hub.stop_process()
    printed = crash_hub.manage("shell", "-c", _KILLED_PUSH.format(name="restarted")).stdout
    stale = [
        # A stale packed-refs.lock makes every branch deletion fail.
        make(repo / "packed-refs.lock", when=LONG_AGO),
        make(repo / "refs/heads/main.lock", when=LONG_AGO),
        make(repo / "objects/tmp_objdir-incoming-Old123", folder=True, when=LONG_AGO),
        make(repo / "objects/tmp_object_git2_Old456", when=LONG_AGO),
        make(repo / "tmpold78910", folder=True, when=LONG_AGO),
        Path(printed.strip().splitlines()[-1]),
    ]
    # What a push that another web process serves right now is using.
    live = [
        make(repo / "objects/tmp_objdir-incoming-Live12", folder=True),
        make(repo / "refs/heads/other.lock"),
    ]
    assert all(path.exists() for path in stale)

    crash_hub.start()

    assert [path for path in stale if path.exists()] == []
    assert [path for path in live if path.exists()] == live
    # serve's output reaches the test through a reader thread: give its lines a moment.
    wait_until(
        lambda: f"Removed a stale push quarantine: {stale[2]}" in "".join(crash_hub.output),
        timeout=10,
        message="serve to report the stale quarantine it removed",
    )
    api.delete_branch(repo_id, branch="dev")
    assert [branch.name for branch in api.list_repo_refs(repo_id).branches] == ["main"]
