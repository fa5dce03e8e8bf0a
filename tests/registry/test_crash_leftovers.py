"""`manage.py fsck` finds what killed processes left in the storage (stale locks, push
quarantines, temporary files) and with --repair removes it, never what a live process of
another web server may be using."""

import io
import os
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from registry.gitstore import GitRepo
from registry.gitstore.fsck import STALE_TEMP_SECONDS
from registry.gitstore.push import PushGate
from registry.services.repos import repo_create

LONG_AGO = time.time() - 3 * 3600


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path, monkeypatch):
    settings.HUB_DATA_DIR = tmp_path
    settings.HUB_REPOS_DIR = tmp_path / "repos"
    # Push folders live in the machine's temporary directory: this test's own instead.
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))


@pytest.fixture
def git(alice) -> GitRepo:
    """alice's model on disk."""
    made = repo_create(user=alice, token=None, name="bert", organization=None,
                       repo_type="model", private=False)  # fmt: skip
    return GitRepo(made.storage_id)


def fsck(*args: str) -> tuple[int, list[str]]:
    out = io.StringIO()
    try:
        call_command("fsck", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().splitlines()


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


def killed_push_folder(git: GitRepo, data_dir: Path) -> Path:
    """The hook folder of a push whose web process (of the hub with `data_dir`) was killed:
    a child process opens the push's gate and ends without a word, as SIGKILL ends it."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        settings.HUB_DATA_DIR = data_dir
        gate = PushGate(git, decide=None)
        os.write(write, str(gate.folder).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        return Path(pipe.read())


def test_fsck_reports_each_leftover_of_a_killed_process_and_repair_removes_it(git, tmp_path):
    repo = git.path
    quarantine = make(repo / "objects/tmp_objdir-incoming-Qz81Lk", folder=True, when=LONG_AGO)
    leftovers = [
        make(repo / "packed-refs.lock", when=LONG_AGO),
        make(repo / "refs/heads/main.lock", when=LONG_AGO),
        quarantine,
        make(repo / "objects/pack/.tmp-3187-pack-9f2c.pack", when=LONG_AGO),
        make(repo / "tmpk2j4h5g6", folder=True, when=LONG_AGO),
    ]
    push_folder = killed_push_folder(git, tmp_path)

    code, lines = fsck()

    assert code == 1
    assert lines == [
        f"{push_folder}: push hook folder left by a killed process (its process is gone)"
        " (--repair removes it)",
        "model:alice/bert: temporary file objects/pack/.tmp-3187-pack-9f2c.pack left by a"
        " killed process (untouched for 3 h) (--repair removes it)",
        "model:alice/bert: push quarantine objects/tmp_objdir-incoming-Qz81Lk left by a killed"
        " process (untouched for 3 h) (--repair removes it)",
        "model:alice/bert: lock file packed-refs.lock left by a killed process"
        " (untouched for 3 h) (--repair removes it)",
        "model:alice/bert: lock file refs/heads/main.lock left by a killed process"
        " (untouched for 3 h) (--repair removes it)",
        "model:alice/bert: temporary file tmpk2j4h5g6 left by a killed process"
        " (untouched for 3 h) (--repair removes it)",
        "fsck: 6 problem(s), 6 left",
    ]
    assert all(path.exists() for path in [*leftovers, push_folder])

    code, lines = fsck("--repair")

    assert code == 0
    assert len(lines) == 7 and lines[-1] == "fsck: 6 problem(s), 0 left"
    assert all(line.endswith("; removed it (repaired)") for line in lines[:-1])
    assert not any(path.exists() for path in [*leftovers, push_folder])
    assert fsck() == (0, ["fsck: 0 problem(s), 0 left"])


def test_fsck_leaves_alone_what_a_live_push_or_commit_may_be_using(git, tmp_path):
    repo, live_gate = git.path, PushGate(git, decide=None)
    almost_stale = time.time() - STALE_TEMP_SECONDS + 600
    in_use = [
        # A push that another web process is receiving right now: its pack still grows.
        make(repo / "objects/tmp_objdir-incoming-Live01", folder=True),
        make(repo / "refs/heads/dev.lock"),
        make(repo / "packed-refs.lock"),
        # A quarantine whose pack arrived 50 minutes ago, its hook waiting for the hub.
        make(repo / "objects/tmp_objdir-incoming-Slow02", folder=True, when=almost_stale),
        # The folder of a push this process serves.
        live_gate.folder,
        # Another hub's on this machine, however dead its process.
        killed_push_folder(git, tmp_path / "another-hub"),
        # The hub's own flock files, however old: they leave no state when a process dies.
        make(repo / "minihub-write.lock", when=LONG_AGO),
        make(repo / "minihub-index.lock", when=LONG_AGO),
    ]

    assert fsck("--repair") == (0, ["fsck: 0 problem(s), 0 left"])
    assert all(path.exists() for path in in_use)
    live_gate.close()


def test_a_repository_deleted_halfway_is_finished_by_repair(db):
    # GitRepo.destroy renames the repository away, then removes it: killed in between.
    git = GitRepo.init(uuid.uuid4())
    trash = git.path.with_name(".trash-5f0c9e")
    git.path.rename(trash)

    code, lines = fsck("--repair")

    assert (code, lines) == (0, [
        f"{trash}: deleted repository left by a killed process (renamed away when it was"
        " deleted); removed it (repaired)",
        "fsck: 1 problem(s), 0 left",
    ])  # fmt: skip
    assert not trash.exists()
