"""Repositories on two storage roots: spread by id, routed by the table, moved online."""

import threading

import pygit2
import pytest
from django.core.management import call_command

from registry.gitstore import GitRepo, repo_dir
from registry.gitstore.roots import RepoMoved, root_of
from registry.models import RepoPlacement
from registry.services.fsck import hub_fsck
from registry.services.storage import repo_move
from tests.web.conftest import commit_files, make_repo


@pytest.fixture
def two_roots(settings, tmp_path):
    settings.HUB_REPOS_DIR = tmp_path / "repos"
    settings.HUB_REPOS_ROOTS = {"second": tmp_path / "second"}
    settings.HUB_REPOS_NEW_ROOTS = []
    # Longer than any read here takes: a reader that found the old copy just before the
    # switch finishes in it.
    settings.HUB_REPOS_MOVE_GRACE = 0.5
    return settings


def test_new_repos_spread_over_both_roots_and_are_found_again(two_roots, alice):
    repos = [make_repo(alice, f"model-{n}") for n in range(16)]

    placed = {str(repo.storage_id): root_of(repo.storage_id, fresh=True) for repo in repos}

    assert set(placed.values()) == {"default", "second"}
    for repo in repos:
        root = two_roots.HUB_REPOS_ROOTS.get(placed[str(repo.storage_id)])
        assert repo_dir(repo.storage_id).is_relative_to(root or two_roots.HUB_REPOS_DIR)
        assert GitRepo(repo.storage_id).resolve("main")
    assert RepoPlacement.objects.count() == list(placed.values()).count("second")
    assert hub_fsck(repair=False) == []


def test_a_deleted_repo_leaves_no_route_behind(two_roots, alice):
    two_roots.HUB_REPOS_NEW_ROOTS = ["second"]
    repo = make_repo(alice, "short-lived")
    assert RepoPlacement.objects.filter(storage_id=str(repo.storage_id)).exists()

    GitRepo.destroy(repo.storage_id)

    assert not RepoPlacement.objects.filter(storage_id=str(repo.storage_id)).exists()


@pytest.mark.django_db(transaction=True)
def test_a_repo_moves_while_it_is_read_and_written(two_roots, alice):
    two_roots.HUB_REPOS_NEW_ROOTS = ["default"]
    repo = make_repo(alice, "busy")
    commit_files(repo, alice, {"weights.txt": b"v0"})
    old = repo_dir(repo.storage_id)
    done, read_errors, landed, refused = threading.Event(), [], [], []

    def reader():
        while not done.is_set():
            try:
                git = GitRepo(repo.storage_id)
                assert git.entry(git.resolve("main"), "weights.txt") is not None
            except (AssertionError, OSError, KeyError, ValueError, pygit2.GitError) as error:
                read_errors.append(error)

    def writer():
        for n in range(40):
            try:
                landed.append(commit_files(repo, alice, {"weights.txt": f"v{n + 1}".encode()}))
            except RepoMoved:
                refused.append(n)

    threads = [threading.Thread(target=reader), threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    repo_move(repo=repo, root="second", progress=lambda line: None)
    threads[1].join()
    done.set()
    threads[0].join()

    git = GitRepo(repo.storage_id)
    assert root_of(repo.storage_id, fresh=True) == "second"
    assert git.path.is_relative_to(two_roots.HUB_REPOS_ROOTS["second"])
    assert not old.exists()
    assert read_errors == []
    history = {str(commit.id) for commit in git.walk_commits(git.resolve("main"))}
    assert {str(sha) for sha in landed} <= history
    assert hub_fsck(repair=False) == []


def test_the_command_refuses_an_unknown_root_and_names_the_roots(two_roots, alice):
    make_repo(alice, "stays")

    with pytest.raises(Exception, match="the roots are \\['default', 'second'\\]"):
        call_command("moverepo", "alice/stays", "--to", "third")


def test_fsck_refuses_to_judge_when_a_root_is_no_longer_configured(two_roots, alice):
    two_roots.HUB_REPOS_NEW_ROOTS = ["second"]
    make_repo(alice, "on-second")
    two_roots.HUB_REPOS_ROOTS = {}

    (finding,) = hub_fsck(repair=True)

    assert "roots the settings do not name: ['second']" in finding.problem
