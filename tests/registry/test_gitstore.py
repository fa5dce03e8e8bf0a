import uuid

import pytest

from registry.errors import BadRequest, EntryNotFound, RevisionNotFound
from registry.gitstore import ZERO_OID, Change, GitRepo, RefConflict, parse_pointer, pointer_bytes

AUTHOR = ("alice", "alice@example.com")


@pytest.fixture
def git(settings, tmp_path):
    settings.HUB_REPOS_DIR = tmp_path / "repos"
    return GitRepo.init(uuid.uuid4())


def commit(git: GitRepo, files: dict[str, bytes], *, parent: str | None = None,
           deletes: list[Change] = ()) -> str:  # fmt: skip
    changes = [Change("add", path, git.write_blob(data)) for path, data in files.items()]
    sha = git.write_commit(
        parent=parent, changes=[*deletes, *changes], message="c\n", author=AUTHOR
    )
    git.update_ref("refs/heads/main", sha, parent or ZERO_OID)
    return sha


def paths(git: GitRepo, sha: str) -> list[str]:
    return [entry.path for entry in git.list_tree(sha, recursive=True)]


def test_a_branch_a_full_sha_and_a_short_sha_resolve_to_the_commit(git):
    sha = commit(git, {"a.txt": b"a"})

    assert git.resolve("main") == sha
    assert git.resolve(sha) == sha
    assert git.resolve(sha[:7]) == sha
    with pytest.raises(RevisionNotFound, match="Invalid rev id: nope"):
        git.resolve("nope")


def test_a_recursive_listing_has_directories_and_real_lfs_sizes(git):
    oid = "a" * 64
    sha = commit(git, {"README.md": b"hi", "weights/model.bin": pointer_bytes(oid, 5_000_000)})

    entries = {entry.path: entry for entry in git.list_tree(sha, recursive=True)}

    assert entries["weights"].type == "directory"
    assert entries["weights/model.bin"].size == 5_000_000
    assert entries["weights/model.bin"].lfs.oid == oid
    assert entries["README.md"].lfs is None and entries["README.md"].size == 2
    assert [e.path for e in git.list_tree(sha, "weights")] == ["weights/model.bin"]
    with pytest.raises(EntryNotFound):
        git.list_tree(sha, "missing")


def test_deleting_a_folder_by_file_or_folder_removes_everything_under_it(git):
    first = commit(git, {"logs/a.txt": b"a", "logs/deep/b.txt": b"b", "keep.txt": b"k"})

    second = commit(git, {}, parent=first, deletes=[Change("delete_file", "logs")])
    third_parent = commit(git, {"logs/c.txt": b"c"}, parent=second)
    third = commit(git, {}, parent=third_parent, deletes=[Change("delete_folder", "logs/")])

    assert paths(git, second) == ["keep.txt"]
    assert paths(git, third) == ["keep.txt"]


def test_deleting_a_missing_file_is_entry_not_found_and_writes_nothing(git):
    first = commit(git, {"a.txt": b"a"})

    with pytest.raises(EntryNotFound, match="A file with this name doesn't exist"):
        commit(git, {}, parent=first, deletes=[Change("delete_file", "b.txt")])
    assert git.resolve("main") == first


def test_a_file_cannot_take_the_place_of_a_folder(git):
    first = commit(git, {"data/train.csv": b"x"})

    with pytest.raises(BadRequest, match="a folder with this name exists"):
        commit(git, {"data": b"oops"}, parent=first)
    with pytest.raises(BadRequest, match="is a file"):
        commit(git, {"data/train.csv/inner": b"oops"}, parent=first)


def test_the_ref_moves_only_from_the_expected_commit(git):
    first = commit(git, {"a.txt": b"1"})
    second = commit(git, {"a.txt": b"2"}, parent=first)
    orphan = git.write_commit(parent=first, changes=[], message="late\n", author=AUTHOR)

    with pytest.raises(RefConflict):
        git.update_ref("refs/heads/main", orphan, first)
    assert git.resolve("main") == second


def test_gitattributes_decides_which_paths_go_through_lfs(git):
    sha = commit(git, {".gitattributes": b"*.bin filter=lfs diff=lfs merge=lfs -text\n"})

    assert git.is_lfs_path(sha, "model.bin")
    assert git.is_lfs_path(sha, "deep/down/model.bin")
    assert not git.is_lfs_path(sha, "config.json")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (pointer_bytes("b" * 64, 12), ("b" * 64, 12)),
        (
            b"version https://git-lfs.github.com/spec/v1\next-0-foo bar\noid sha256:"
            + b"c" * 64
            + b"\nsize 7\n",
            ("c" * 64, 7),
        ),  # fmt: skip
        (b"version https://git-lfs.github.com/spec/v1\noid sha256:short\nsize 7\n", None),
        (b"plain text that mentions oid sha256:", None),
    ],
)
def test_only_well_formed_lfs_pointers_are_read_as_pointers(data, expected):
    pointer = parse_pointer(data)

    assert (pointer and (pointer.oid, pointer.size)) == expected
