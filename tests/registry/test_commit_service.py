import threading

import pytest

from registry.errors import Conflict, PreconditionFailed
from registry.gitstore import Change, GitRepo
from registry.services import repos
from registry.services.commits import branch_ref, commit_create
from registry.services.refs import branch_create, branch_delete
from registry.services.repos import repo_create


@pytest.fixture
def repo(alice, settings, tmp_path):
    settings.HUB_REPOS_DIR = tmp_path / "repos"
    return repo_create(user=alice, token=None, name="tiny", organization=None,
                       repo_type="model", private=False)  # fmt: skip


def add(git, path: str, data: bytes) -> Change:
    return Change("add", path, git.write_blob(data))


def test_a_new_repo_has_an_initial_commit_with_the_hub_gitattributes(repo):
    git = GitRepo(repo.storage_id)
    head = git.resolve("main")

    assert git.commit_info(head).title == "initial commit"
    attributes = git.read_blob(git.entry(head, ".gitattributes").oid).decode()
    assert "*.safetensors filter=lfs diff=lfs merge=lfs -text" in attributes
    assert repo.head_sha == head


def test_a_stale_parent_commit_is_refused_and_nothing_moves(repo, alice):
    git = GitRepo(repo.storage_id)
    ref = branch_ref(git, "main")
    first = git.resolve("main")
    commit_create(user=alice, repo=repo, git=git, ref=ref, parent_commit=first,
                  changes=[add(git, "a.txt", b"a")], message="a\n")  # fmt: skip
    second = git.resolve("main")

    with pytest.raises(PreconditionFailed, match="The branch was updated since you opened"):
        commit_create(user=alice, repo=repo, git=git, ref=ref, parent_commit=first[:7],
                      changes=[add(git, "b.txt", b"b")], message="b\n")  # fmt: skip
    assert git.resolve("main") == second


@pytest.mark.django_db(transaction=True)
def test_concurrent_commits_without_a_parent_all_land(transactional_db, repo, alice):
    rounds, writers = 10, 3

    def writer(number: int) -> None:
        git = GitRepo(repo.storage_id)
        for i in range(rounds):
            commit_create(user=alice, repo=repo, git=git, ref="refs/heads/main",
                          parent_commit=None, message=f"w{number} {i}\n",
                          changes=[add(git, f"w{number}/{i}.txt", b"x")])  # fmt: skip

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    git = GitRepo(repo.storage_id)
    head = git.resolve("main")
    files = [e.path for e in git.list_tree(head, recursive=True) if e.type == "file"]
    assert len(files) == rounds * writers + 1
    assert len(list(git.walk_commits(head))) == rounds * writers + 1
    repo.refresh_from_db()
    assert repo.head_sha == head  # the last rebuild of the row saw the last commit


def test_a_ref_lock_left_by_a_killed_process_does_not_block_the_branch(repo, alice):
    git = GitRepo(repo.storage_id)
    # What a web process killed inside `git update-ref` leaves: a fresh lock on the branch.
    (git.path / "refs" / "heads").mkdir(parents=True, exist_ok=True)
    (git.path / "refs" / "heads" / "main.lock").write_text(git.resolve("main") + "\n")

    shas = []
    for i in range(3):
        shas.append(commit_create(user=alice, repo=repo, git=git, ref="refs/heads/main",
                                  parent_commit=None, message=f"after the kill {i}\n",
                                  changes=[add(git, f"{i}.txt", b"x")]))  # fmt: skip

    assert git.resolve("main") == shas[-1]
    assert not (git.path / "refs" / "heads" / "main.lock").exists()


def test_a_rebuild_of_the_row_that_read_an_older_head_does_not_write_it_last(
    transactional_db, repo, alice, monkeypatch
):

    git = GitRepo(repo.storage_id)
    read_first, go_on = threading.Event(), threading.Event()
    real_index = repos.repo_index

    def slow_first_read(**kwargs):
        found = real_index(**kwargs)
        if not read_first.is_set():
            read_first.set()
            go_on.wait(10)
        return found

    monkeypatch.setattr(repos, "repo_index", slow_first_read)
    older = threading.Thread(target=repos.repo_reindex, kwargs={"repo": repo, "git": git})
    older.start()
    read_first.wait(10)
    # Another writer's commit lands, and its rebuild runs, while the first rebuild is slow.
    head = git.resolve("main")
    newer = git.write_commit(parent=head, changes=[add(git, "new.txt", b"x")],
                             message="newer\n", author=("alice", "alice@example.com"))  # fmt: skip
    git.update_ref("refs/heads/main", newer, head)
    latest = threading.Thread(target=repos.repo_reindex, kwargs={"repo": repo, "git": git})
    latest.start()
    latest.join(0.5)
    go_on.set()
    older.join(10)
    latest.join(10)

    repo.refresh_from_db()
    assert repo.head_sha == newer


def test_a_ref_git_cannot_lock_is_a_409_not_a_500(repo, alice):
    """A fresh packed-refs.lock (another process packing refs) blocks deleting a branch."""

    git = GitRepo(repo.storage_id)
    branch_create(user=alice, token=None, repo=repo, git=git, branch="dev", starting_point=None)
    (git.path / "packed-refs.lock").write_text("")

    with pytest.raises(Conflict, match="refs/heads/dev was being changed"):
        branch_delete(user=alice, token=None, repo=repo, git=git, branch="dev")
    assert git.ref_target("refs/heads/dev") is not None
