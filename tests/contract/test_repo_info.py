"""What the client reads about a repo: model_info (+ files_metadata), tree, paths-info."""

import os

import pytest
from huggingface_hub import CommitOperationAdd
from huggingface_hub.errors import EntryNotFoundError
from huggingface_hub.hf_api import RepoFile, RepoFolder

from tests.contract.conftest import git_blob_sha1, make_repo, sha256, xet_disabled

pytestmark = pytest.mark.live

README = b"""---
license: apache-2.0
library_name: transformers
pipeline_tag: text-classification
tags:
- tiny
- contract
---
# A tiny model
"""
WEIGHTS = os.urandom(200 * 1024)
FILES = {
    "README.md": README,
    "config.json": b"{}",
    "weights.bin": WEIGHTS,
    "nested/deeper/c.txt": b"deep",
}


@pytest.fixture(scope="module")
def repo_id(hub, alice) -> str:
    repo_id = make_repo(hub, alice, "info-contract")
    with xet_disabled():
        alice.api(hub).create_commit(repo_id, commit_message="files", operations=[
            CommitOperationAdd(path, data) for path, data in FILES.items()
        ])  # fmt: skip
    return repo_id


def test_model_info_with_files_metadata_gives_sizes_and_lfs_sha256(hub, anonymous, repo_id):
    info = anonymous.api(hub).model_info(repo_id, files_metadata=True)

    siblings = {s.rfilename: s for s in info.siblings}
    assert set(siblings) == {".gitattributes", *FILES}
    assert siblings["config.json"].size == 2
    assert siblings["config.json"].blob_id == git_blob_sha1(b"{}")
    assert siblings["config.json"].lfs is None
    assert siblings["weights.bin"].size == len(WEIGHTS)
    assert siblings["weights.bin"].lfs.sha256 == sha256(WEIGHTS)
    assert siblings["weights.bin"].lfs.size == len(WEIGHTS)


def test_model_info_reads_the_card_from_the_readme_front_matter(hub, anonymous, repo_id):
    info = anonymous.api(hub).model_info(repo_id)

    assert info.card_data.to_dict() == {
        "license": "apache-2.0",
        "library_name": "transformers",
        "pipeline_tag": "text-classification",
        "tags": ["tiny", "contract"],
    }
    assert info.pipeline_tag == "text-classification"
    assert info.library_name == "transformers"
    assert {"transformers", "tiny", "contract", "license:apache-2.0"} <= set(info.tags)


def test_model_info_dates_are_utc(hub, anonymous, repo_id):
    info = anonymous.api(hub).model_info(repo_id)

    assert info.last_modified.utcoffset().total_seconds() == 0
    # lastModified is a git commit time: whole seconds.
    assert info.created_at.replace(microsecond=0) <= info.last_modified


def test_a_recursive_tree_lists_directories_and_real_lfs_sizes(hub, anonymous, repo_id):
    entries = list(anonymous.api(hub).list_repo_tree(repo_id, recursive=True))

    folders = {e.path for e in entries if isinstance(e, RepoFolder)}
    files = {e.path: e for e in entries if isinstance(e, RepoFile)}
    assert folders == {"nested", "nested/deeper"}
    assert set(files) == {".gitattributes", *FILES}
    assert files["weights.bin"].size == len(WEIGHTS)
    assert files["weights.bin"].lfs.sha256 == sha256(WEIGHTS)
    assert files["nested/deeper/c.txt"].size == 4


def test_a_tree_lists_one_folder_without_recursion(hub, anonymous, repo_id):
    entries = anonymous.api(hub).list_repo_tree(repo_id, path_in_repo="nested")

    assert [(type(e), e.path) for e in entries] == [(RepoFolder, "nested/deeper")]


def test_the_tree_of_a_missing_folder_is_entry_not_found(hub, anonymous, repo_id):
    with pytest.raises(EntryNotFoundError):
        list(anonymous.api(hub).list_repo_tree(repo_id, path_in_repo="no-such-folder"))


def test_paths_info_answers_for_existing_paths_only(hub, anonymous, repo_id):
    found = anonymous.api(hub).get_paths_info(
        repo_id, ["weights.bin", "nested", "config.json", "missing.txt"]
    )

    by_path = {e.path: e for e in found}
    assert set(by_path) == {"weights.bin", "nested", "config.json"}
    assert isinstance(by_path["nested"], RepoFolder)
    assert by_path["weights.bin"].lfs.sha256 == sha256(WEIGHTS)
    assert by_path["config.json"].blob_id == git_blob_sha1(b"{}")


def test_list_repo_files_walks_every_page_of_a_large_tree(hub, alice, repo_name):
    """The tree is paged by an absolute Link URL (1000 entries a page)."""
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)
    paths = [f"shards/{n:04d}.txt" for n in range(1100)]
    api.create_commit(repo_id, commit_message="many files", operations=[
        CommitOperationAdd(path, b"x") for path in paths
    ])  # fmt: skip

    assert sorted(api.list_repo_files(repo_id)) == [".gitattributes", *paths]
