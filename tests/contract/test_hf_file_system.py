"""HfFileSystem against the hub: ls, glob, find, walk, info, open with range reads, put, rm, cp,
mv, and the parallel tree listing it does on bigger repos."""

import hashlib
import random
import uuid

import pytest
from huggingface_hub import CommitOperationAdd, HfFileSystem
from huggingface_hub.errors import HfHubHTTPError

from tests.contract.conftest import make_repo, xet_disabled
from tests.contract.helpers import commit_files, read_text

pytestmark = pytest.mark.live

WEIGHTS = random.Random(4).randbytes(3 * 1024 * 1024 + 17)


def _fs(hub, persona) -> HfFileSystem:
    """A new filesystem (no instance cache, so no listing from another test leaks in)."""
    return HfFileSystem(endpoint=hub.url, token=persona.token, skip_instance_cache=True)


@pytest.fixture(scope="module")
def repo(hub, alice):
    """config.json, sub/a.txt, sub/deep/b.txt, sub/deep/c.csv and an LFS weights.bin."""
    repo_id = make_repo(hub, alice, f"fs-{uuid.uuid4().hex[:8]}")
    files = {
        "config.json": '{"hidden_size": 32}',
        "sub/a.txt": "alpha",
        "sub/deep/b.txt": "bravo",
        "sub/deep/c.csv": "x,y\n1,2\n",
        "weights.bin": WEIGHTS,
    }
    with xet_disabled():
        commit_files(alice.api(hub), repo_id, files)
    return repo_id


@pytest.fixture
def writable(hub, alice, repo_name, no_xet):
    """A repo of alice's that a test may change: notes/a.txt, notes/b.txt and LFS model.bin."""
    repo_id = make_repo(hub, alice, repo_name)
    files = {"notes/a.txt": "a", "notes/b.txt": "b", "model.bin": WEIGHTS[:100_000]}
    commit_files(alice.api(hub), repo_id, files)
    return repo_id


def test_ls_lists_one_level_with_repo_prefixed_names(hub, alice, repo):
    fs = _fs(hub, alice)

    names = fs.ls(repo, detail=False)
    sub = {entry["name"]: entry for entry in fs.ls(f"{repo}/sub", detail=True)}

    assert sorted(names) == [
        f"{repo}/.gitattributes",
        f"{repo}/config.json",
        f"{repo}/sub",
        f"{repo}/weights.bin",
    ]
    assert sub[f"{repo}/sub/a.txt"]["type"] == "file"
    assert sub[f"{repo}/sub/a.txt"]["size"] == 5
    assert sub[f"{repo}/sub/deep"]["type"] == "directory"


def test_glob_matches_across_folders(hub, alice, repo):
    fs = _fs(hub, alice)

    assert fs.glob(f"{repo}/**/*.txt") == [f"{repo}/sub/a.txt", f"{repo}/sub/deep/b.txt"]
    assert fs.glob(f"{repo}/*.json") == [f"{repo}/config.json"]


def test_find_lists_every_file_and_with_dirs_the_folders_too(hub, alice, repo):
    fs = _fs(hub, alice)

    files = fs.find(repo)
    with_dirs = fs.find(repo, withdirs=True)

    expected = [".gitattributes", "config.json", "sub/a.txt", "sub/deep/b.txt", "sub/deep/c.csv"]
    assert files == sorted(f"{repo}/{p}" for p in [*expected, "weights.bin"])
    assert {f"{repo}/sub", f"{repo}/sub/deep"} <= set(with_dirs)


def test_walk_visits_each_folder_once(hub, alice, repo):
    walked = {
        root: (sorted(dirs), sorted(files)) for root, dirs, files in _fs(hub, alice).walk(repo)
    }

    assert walked == {
        repo: (["sub"], [".gitattributes", "config.json", "weights.bin"]),
        f"{repo}/sub": (["deep"], ["a.txt"]),
        f"{repo}/sub/deep": ([], ["b.txt", "c.csv"]),
    }


def test_info_gives_the_real_size_and_sha256_of_an_lfs_file(hub, alice, repo):
    fs = _fs(hub, alice)

    weights = fs.info(f"{repo}/weights.bin")
    folder = fs.info(f"{repo}/sub/deep")

    assert weights["type"] == "file"
    assert weights["size"] == len(WEIGHTS)
    assert weights["lfs"]["sha256"] == hashlib.sha256(WEIGHTS).hexdigest()
    assert folder["type"] == "directory"
    assert not fs.exists(f"{repo}/sub/missing.txt")
    with pytest.raises(FileNotFoundError):
        fs.info(f"{repo}/nothing/here.txt")


def test_open_reads_ranges_of_an_lfs_file_after_seeking(hub, alice, repo):
    fs = _fs(hub, alice)

    with fs.open(f"{repo}/weights.bin", "rb", block_size=256 * 1024) as handle:
        handle.seek(1_000_000)
        middle = handle.read(100)
        handle.seek(100)
        start = handle.read(10)
        handle.seek(-17, 2)
        tail = handle.read()

    assert middle == WEIGHTS[1_000_000:1_000_100]
    assert start == WEIGHTS[100:110]
    assert tail == WEIGHTS[-17:]


def test_open_reads_a_whole_file_and_cat_file_reads_a_slice(hub, alice, repo):
    fs = _fs(hub, alice)

    whole = fs.read_text(f"{repo}/sub/deep/c.csv")
    part = fs.cat_file(f"{repo}/config.json", start=2, end=13)

    assert whole == "x,y\n1,2\n"
    assert part == b"hidden_size"


def test_modified_is_the_date_of_the_last_commit_that_touched_the_file(hub, alice, writable):
    api = alice.api(hub)
    touched = commit_files(api, writable, {"notes/a.txt": "a2"}, message="touch a").oid
    commit_files(api, writable, {"other.txt": "later"}, message="later")
    date = {c.commit_id: c.created_at for c in api.list_repo_commits(writable)}[touched]

    modified = _fs(hub, alice).modified(f"{writable}/notes/a.txt")

    assert modified == date


def test_a_branch_with_a_slash_is_read_through_its_encoded_name(hub, alice, writable):
    api = alice.api(hub)
    api.create_branch(writable, branch="feature/x")
    commit_files(api, writable, {"feature.txt": "on the branch"}, revision="feature/x")

    text = _fs(hub, alice).read_text(f"{writable}@feature%2Fx/feature.txt")

    assert text == "on the branch"


def test_put_uploads_a_local_file(hub, alice, writable, tmp_path):
    local = tmp_path / "put.txt"
    local.write_text("put from disk")
    fs = _fs(hub, alice)

    fs.put(str(local), f"{writable}/uploaded/put.txt")

    assert read_text(alice.api(hub), writable, "uploaded/put.txt") == "put from disk"
    assert fs.exists(f"{writable}/uploaded/put.txt")


def test_rm_deletes_a_file_and_recursively_a_folder(hub, alice, writable):
    fs = _fs(hub, alice)

    fs.rm(f"{writable}/notes/a.txt")
    after_one = sorted(alice.api(hub).list_repo_files(writable))
    fs.rm(f"{writable}/notes", recursive=True)

    assert after_one == [".gitattributes", "model.bin", "notes/b.txt"]
    assert sorted(alice.api(hub).list_repo_files(writable)) == [".gitattributes", "model.bin"]
    assert not fs.exists(f"{writable}/notes")


def test_cp_copies_regular_and_lfs_files_inside_the_repo(hub, alice, writable):
    fs = _fs(hub, alice)

    fs.cp(f"{writable}/notes/a.txt", f"{writable}/copies/a.txt")
    fs.cp(f"{writable}/model.bin", f"{writable}/copies/model.bin")

    assert read_text(alice.api(hub), writable, "copies/a.txt") == "a"
    assert fs.cat_file(f"{writable}/copies/model.bin") == WEIGHTS[:100_000]
    assert fs.info(f"{writable}/copies/model.bin")["lfs"] is not None
    assert fs.exists(f"{writable}/model.bin")


def test_cp_between_repos_uploads_a_copy(hub, alice, writable, repo):
    fs = _fs(hub, alice)

    fs.cp(f"{repo}/config.json", f"{writable}/from-other.json")

    assert read_text(alice.api(hub), writable, "from-other.json") == '{"hidden_size": 32}'


def test_mv_moves_a_file_in_one_commit(hub, alice, writable):
    fs = _fs(hub, alice)
    commits_before = len(alice.api(hub).list_repo_commits(writable))

    fs.mv(f"{writable}/notes/b.txt", f"{writable}/moved/b.txt")

    assert read_text(alice.api(hub), writable, "moved/b.txt") == "b"
    assert not fs.exists(f"{writable}/notes/b.txt")
    assert len(alice.api(hub).list_repo_commits(writable)) > commits_before


def test_a_charlie_filesystem_cannot_write_to_alices_repo(hub, charlie, writable):
    fs = _fs(hub, charlie)

    with pytest.raises(HfHubHTTPError) as refused:
        fs.rm(f"{writable}/notes/a.txt")

    assert refused.value.response.status_code == 403
    assert fs.exists(f"{writable}/notes/a.txt")


@pytest.fixture(scope="module")
def many_files(hub, alice):
    """A repo with 300 files in 6 top folders of 2 sub-folders each."""
    repo_id = make_repo(hub, alice, f"fs-many-{uuid.uuid4().hex[:8]}")
    paths = [
        f"part{top}/shard{sub}/file{n:02d}.txt"
        for top in range(6)
        for sub in range(2)
        for n in range(25)
    ]
    alice.api(hub).create_commit(
        repo_id,
        [CommitOperationAdd(path, path.encode()) for path in paths],
        commit_message="many files",
    )
    return repo_id, paths


def test_find_lists_a_few_hundred_files_in_parallel_pages(hub, alice, many_files):
    repo_id, paths = many_files
    fs = HfFileSystem(endpoint=hub.url, token=alice.token, skip_instance_cache=True, max_workers=8)

    # expand_info pages the tree 50 entries at a time, so the client lists sub-trees in parallel.
    detailed = fs.find(repo_id, detail=True, expand_info=True)
    plain = _fs(hub, alice).find(repo_id)

    expected = sorted([f"{repo_id}/.gitattributes"] + [f"{repo_id}/{p}" for p in paths])
    assert sorted(detailed) == expected
    assert plain == expected
    first = "part0/shard0/file00.txt"
    assert detailed[f"{repo_id}/{first}"]["size"] == len(first)


def test_glob_and_walk_agree_on_a_few_hundred_files(hub, alice, many_files):
    repo_id, paths = many_files
    fs = _fs(hub, alice)

    globbed = fs.glob(f"{repo_id}/part3/**/*.txt")
    walked = [f"{root}/{name}" for root, _, files in fs.walk(repo_id) for name in files]

    assert globbed == sorted(f"{repo_id}/{p}" for p in paths if p.startswith("part3/"))
    assert len(walked) == len(paths) + 1
