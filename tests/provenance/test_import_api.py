"""Import through the plain Hub API, from a source that does not speak git (a proxy in front
of a live Minihub that answers 404 to every git route): the revision's files arrive as one
commit, each checked against the source's metadata; a lying or failing source leaves no
repo; a sync commits what changed. And imported history, by either route, meets the rules a
push meets: an organization that refuses dangerous files refuses them from an import too."""

import pickle
from pathlib import Path

import pytest
from huggingface_hub import CommitOperationAdd, CommitOperationDelete
from huggingface_hub.errors import RepositoryNotFoundError

from tests.hostile import Boom
from tests.live import wait_until
from tests.provenance.conftest import api
from tests.provenance.faulty import FaultyProxy
from tests.provenance.test_import_live import WEIGHTS, commits, make_model, run_import

RECORD = (
    "from provenance.models import RepoSource; r = RepoSource.objects.get(source_repo='{}'); "
    "print(r.commit, r.published, r.via)"
)


def record_of(hub, repo_id: str) -> list[str]:
    return hub.manage("shell", "-c", RECORD.format(repo_id)).stdout.strip().splitlines()[-1].split()


def files_of(hub, repo_id: str, tmp_path: Path) -> dict[str, bytes]:
    folder = api(hub).snapshot_download(repo_id, cache_dir=tmp_path / hub.url[-5:])
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in Path(folder).rglob("*") if p.is_file()}  # fmt: skip


def test_a_source_without_git_gives_the_revisions_files_as_one_checked_commit(
    source, dest, tmp_path
):
    make_model(source, "plain")
    with FaultyProxy(source.url, "no-git") as proxy:
        done = run_import(dest, f"{proxy.url}/alice/plain", "--to", "alice/plain-copy")

    assert done.returncode == 0, done.stderr
    assert files_of(dest, "alice/plain-copy", tmp_path) == files_of(source, "alice/plain", tmp_path)
    assert files_of(dest, "alice/plain-copy", tmp_path)["pytorch_model.bin"] == WEIGHTS
    history = api(dest).list_repo_commits("alice/plain-copy")
    source_head = commits(source, "alice/plain")[0]
    assert history[0].title == f"Import alice/plain@{source_head[:12]} from {proxy.url}"
    info = api(dest).model_info("alice/plain-copy")
    provenance = info.__dict__.get("provenance") or info.model_extra["provenance"]
    assert provenance["source"]["via"] == "api"
    assert provenance["source"]["commit"] == source_head
    assert record_of(dest, "alice/plain") == [source_head, history[0].commit_id, "api"]
    # The LFS file is an LFS file here too, not bytes in git.
    entry = next(iter(api(dest).get_paths_info("alice/plain-copy", ["pytorch_model.bin"])))
    assert entry.lfs is not None and entry.lfs.size == len(WEIGHTS)


@pytest.mark.parametrize("fault", ["lie-in-revision", "lie-about-blob", "drop-mid-file"])
def test_a_source_without_git_that_lies_or_drops_a_file_leaves_no_repo(source, dest, fault):
    name = f"plain-{fault}"
    make_model(source, name, weights=WEIGHTS + fault.encode())
    with FaultyProxy(source.url, f"no-git {fault}") as proxy:
        done = run_import(dest, f"{proxy.url}/alice/{name}")

    assert done.returncode != 0
    expected = {
        "lie-in-revision": "sent other bytes for pytorch_model.bin than its metadata's sha256",
        "lie-about-blob": "sent other bytes for config.json than its metadata's blob id",
        "drop-mid-file": "dropped a file mid-transfer",
    }
    assert expected[fault] in done.stderr
    with pytest.raises(RepositoryNotFoundError):
        api(dest).model_info(f"alice/{name}")


def test_a_synced_api_import_commits_what_changed_and_what_went(source, dest, tmp_path):
    make_model(source, "plain-synced")
    with FaultyProxy(source.url, "no-git") as proxy:
        done = run_import(dest, f"{proxy.url}/alice/plain-synced", "--sync")
        assert done.returncode == 0, done.stderr
        first = commits(dest, "alice/plain-synced")[0]
        api(source).create_commit("alice/plain-synced", commit_message="Swap weights", operations=[
            CommitOperationAdd("extra.bin", WEIGHTS[::-1]),
            CommitOperationDelete("config.json")])  # fmt: skip
        head = commits(source, "alice/plain-synced")[0]

        wait_until(lambda: record_of(dest, "alice/plain-synced")[0] == head, timeout=60,
                   message="the sync to commit the source's change")  # fmt: skip

    ours = commits(dest, "alice/plain-synced")
    assert ours[1] == first and record_of(dest, "alice/plain-synced")[1] == ours[0]
    assert files_of(dest, "alice/plain-synced", tmp_path) == files_of(
        source, "alice/plain-synced", tmp_path
    )


@pytest.mark.parametrize("via", ["git", "api"])
def test_an_import_into_an_org_that_refuses_dangerous_files_is_refused_whole(source, dest, via):
    guarded = f"guarded-{via}"
    dest.manage("createorg", guarded, "--member", "alice:admin", "--scans-required")
    api(source).create_repo(f"alice/evil-{via}")
    api(source).upload_file(path_or_fileobj=pickle.dumps(Boom()), path_in_repo="model.pkl",
                            repo_id=f"alice/evil-{via}")  # fmt: skip

    done = run_import(dest, f"{source.url}/alice/evil-{via}", "--to", f"{guarded}/evil",
                      "--via", via)  # fmt: skip

    assert done.returncode != 0
    assert "requires scans to pass: the scanner flags model.pkl as unsafe" in done.stderr
    with pytest.raises(RepositoryNotFoundError):
        api(dest).model_info(f"{guarded}/evil")
