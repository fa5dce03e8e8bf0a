"""Generated names against git's own rules (`git check-ref-format`, `git fsck`) and against
the definition of a path that is safe in a repository."""

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.errors import InvalidName
from registry.names import (
    PATH_MAX_BYTES,
    REF_NAME_MAX_BYTES,
    SEGMENT_MAX_BYTES,
    validate_path_in_repo,
    validate_ref_name,
)

# Moderate counts: every branch example runs git twice.
PROPERTY = settings(max_examples=200, deadline=None)

# What the rules are about, so generated names meet them often; plain text finds the rest.
REF_PIECES = ["a", "b", "Z", "0", "é", "日", ".", "..", "/", "//", "-", "@", "@{", "{", "}",
              ".lock", "lock", "HEAD", "refs/", "~", "^", ":", "?", "*", "[", "\\", " ", "\t",
              "\x7f", "\x01"]  # fmt: skip
# Argument vectors cannot carry NUL or lone surrogates; the example tests cover those.
TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
ref_names = st.one_of(
    st.lists(st.sampled_from(REF_PIECES), max_size=8).map("".join),
    st.text(TEXT, max_size=20),
)

DOTGIT_PIECES = [".git", ".GIT", ".Git", "git~1", "GIT~1", "git~2", "git", ".", " ", ":",
                 "$INDEX_ALLOCATION", "\u200c", "\u200e", "\ufeff", "attributes", "x",
                 "é"]  # fmt: skip
PATH_PIECES = [*DOTGIT_PIECES, "/", "//", "..", "\\", "\x00", "\x1f", "a.b", "c d.txt", "日本"]
segments = st.lists(st.sampled_from(DOTGIT_PIECES), min_size=1, max_size=5).map("".join)
paths = st.one_of(
    st.lists(st.sampled_from(PATH_PIECES), min_size=1, max_size=10).map("".join),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
)

# The definition: a segment git clients on Linux, Windows (NTFS drops trailing dots and
# spaces, knows `.git` as `git~1` and as `.git::$INDEX_ALLOCATION`) or macOS (HFS+ ignores
# some code points) would open as `.git`. Case is folded for ASCII letters only, as git does.
HFS_IGNORED = re.compile("[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]")
DOTGIT_LIKE = re.compile(r"(\.[gG][iI][tT]|[gG][iI][tT]~1)[. ]*(:.*)?", re.DOTALL)


def safe_by_definition(path: str) -> bool:
    return (
        0 < len(path.encode()) <= PATH_MAX_BYTES
        and not re.search(r"[\x00-\x1f\x7f\\]", path)
        and all(safe_segment(segment) for segment in path.split("/"))
    )


def safe_segment(segment: str) -> bool:
    return (
        segment not in {"", ".", ".."}
        and not DOTGIT_LIKE.fullmatch(HFS_IGNORED.sub("", segment))
        and not segment.endswith((".", " "))
        and len(segment.encode()) <= SEGMENT_MAX_BYTES
    )


def accepts(validate: Callable[[str], str], value: str) -> bool:
    try:
        validate(value)
    except InvalidName:
        return False
    return True


@pytest.fixture(scope="module")
def git(tmp_path_factory) -> Callable[..., subprocess.CompletedProcess]:
    """Runs git in a folder outside any repository, without the machine's or user's config,
    so `--branch` checks the name as written (no `@{-1}` expansion)."""
    outside = tmp_path_factory.mktemp("no-repo")
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(outside),
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CEILING_DIRECTORIES": str(outside.parent)}  # fmt: skip

    def run(*args: str, cwd: Path = outside, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=cwd, env=env, input=stdin,
                              capture_output=True, text=True, check=False)  # fmt: skip

    return run


@PROPERTY
@given(name=ref_names)
def test_a_branch_name_is_taken_exactly_when_git_takes_it_and_it_reads_as_itself(git, name):
    by_git = (
        git("check-ref-format", "--branch", name).returncode == 0
        and git("check-ref-format", f"refs/heads/{name}").returncode == 0
    )
    # The hub is stricter than git in three ways only: `@` (HEAD in revision syntax),
    # full names under refs/ (refs/pr/N belongs to pull requests) and a length a ref file
    # and its lock file fit in.
    reads_as_itself = name != "@" and not name.startswith("refs/")
    fits = len(name.encode()) <= REF_NAME_MAX_BYTES

    assert accepts(lambda n: validate_ref_name(n, kind="branch"), name) == (
        by_git and reads_as_itself and fits
    )


@PROPERTY
@given(name=ref_names)
def test_every_tag_name_taken_is_a_tag_git_takes(git, name):
    if accepts(lambda n: validate_ref_name(n, kind="tag"), name):
        assert git("check-ref-format", f"refs/tags/{name}").returncode == 0


@PROPERTY
@given(path=paths)
def test_a_path_is_taken_exactly_when_it_is_safe_by_definition(path):
    assert accepts(validate_path_in_repo, path) == safe_by_definition(path)


@settings(max_examples=100, deadline=None)
@given(segment=segments)
def test_no_segment_taken_is_one_git_fsck_calls_dot_git(git, tmp_path_factory, segment):
    if not accepts(validate_path_in_repo, segment):
        return
    repo = tmp_path_factory.mktemp("fsck")
    git("init", "--quiet", "--bare", str(repo))
    empty_blob = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    made = git(
        "mktree", "--missing", "-z", cwd=repo, stdin=f"100644 blob {empty_blob}\t{segment}\0"
    )
    assert made.returncode == 0, made.stderr

    checked = git("fsck", "--no-dangling", cwd=repo)

    assert "hasDotgit" not in checked.stdout + checked.stderr
