import pytest

from registry.errors import InvalidName, PathOutsideRepo
from registry.names import (
    validate_namespace,
    validate_path_in_repo,
    validate_ref_name,
    validate_repo_name,
    validate_revision,
)


@pytest.mark.parametrize(
    "name",
    ["alice", "Acme-Labs", "a", "bert2", "x" * 42, "al_ice", "__DUMMY_HUB_USER__", "j.doe"],
)
def test_it_accepts_the_namespaces_the_hub_accepts(name):
    assert validate_namespace(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "-alice", "alice-", ".alice", "alice.", "al--ice", "al..ice", "al ice", "al/ice",
     "al\u00e9", "x" * 43, "api", "Datasets"],
)  # fmt: skip
def test_it_refuses_bad_or_reserved_namespaces(name):
    with pytest.raises(InvalidName):
        validate_namespace(name)


@pytest.mark.parametrize(
    "name", ["bert-base", "gpt2.v1", "my_model", "Tiny-Llama-1.1B", "m", "_private_", "v_"]
)
def test_it_accepts_ordinary_repo_names(name):
    assert validate_repo_name(name) == name


@pytest.mark.parametrize(
    "name", ["", ".hidden", "model-", "a--b", "a..b", "a/b", "model.git", "x" * 97, "a b"]
)
def test_it_refuses_bad_repo_names(name):
    with pytest.raises(InvalidName):
        validate_repo_name(name)


@pytest.mark.parametrize(
    "path",
    [
        "README.md",
        "data/train.csv",
        "sub x/awful?name%you:should,never.give",
        ".gitattributes",
        ".github/workflows/ci.yml",
        ".gitignore",
        "a.b/c d.txt",
        "données/日本語 ☃.txt",
        "git~2/x",
        "..hidden/file",
        "weights.safetensors",
    ],
)
def test_it_accepts_paths_in_a_repo(path):
    assert validate_path_in_repo(path) == path


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/etc/passwd",
        "../secrets",
        "a/../../b",
        "a/./b",
        "a//b",
        ".git/config",
        "sub/.git/HEAD",
        "nul\x00byte",
        "tab\there",
        "x" * 1025,
        ("y" * 256) + "/z",
    ],
)
def test_it_refuses_escaping_or_malformed_paths(path):
    with pytest.raises(InvalidName):
        validate_path_in_repo(path)


@pytest.mark.parametrize(
    "path",
    [
        ".GIT/config",
        "sub/.Git/hooks/post-checkout",
        "GIT~1/config",
        "sub/git~1/HEAD",
        ".git./config",
        ".git /config",
        ".git. . ./config",
        ".git::$INDEX_ALLOCATION/config",
        ".g\u200cit/config",
        "\ufeff.git/config",
    ],
)
def test_it_refuses_every_name_a_git_client_on_windows_or_a_mac_opens_as_dot_git(path):
    with pytest.raises(InvalidName, match="cannot contain a '.git' segment"):
        validate_path_in_repo(path)


@pytest.mark.parametrize("path", ["model.", "data /x.csv", "a/b.txt ", "notes.../x"])
def test_it_refuses_segments_windows_would_shorten(path):
    with pytest.raises(InvalidName, match="ending with a dot or a space"):
        validate_path_in_repo(path)


@pytest.mark.parametrize("path", ["a\\b.txt", "C:\\Windows\\x"])
def test_it_refuses_backslashes_in_paths(path):
    with pytest.raises(InvalidName, match="backslash"):
        validate_path_in_repo(path)


@pytest.mark.parametrize("path", ["..\\escape.txt", "a/..\\..\\b.txt", "../b.txt"])
def test_a_path_climbing_out_under_either_separator_is_the_hubs_422(path):
    with pytest.raises(PathOutsideRepo) as refused:
        validate_path_in_repo(path)
    assert refused.value.status == 422


def test_it_refuses_a_path_that_is_not_valid_text():
    with pytest.raises(InvalidName, match="valid text"):
        validate_path_in_repo("lone\udcffsurrogate.txt")


@pytest.mark.parametrize(
    "name",
    ["main", "dev", "feature/x", "v1.0", "release/v1.2.3", "Ünïcode-ß", "a@b", "x/HEAD", "x" * 250],
)
def test_it_accepts_branch_and_tag_names_git_accepts(name):
    assert validate_ref_name(name, kind="branch") == name
    assert validate_ref_name(name, kind="tag") == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "HEAD",
        "@",
        "-dev",
        "refs/pr/1",
        "refs/heads/main",
        "a..b",
        "a@{1}",
        "with space",
        "tab\there",
        "nul\x00byte",
        "del\x7f",
        "tilde~1",
        "caret^",
        "co:lon",
        "question?",
        "star*",
        "bracket[",
        "back\\slash",
        ".hidden",
        "a/.hidden",
        "a.lock",
        "a.lock/b",
        "trailing/",
        "/leading",
        "trailing.",
        "a//b",
        "x" * 251,
        "lone\udcffsurrogate",
    ],
)
def test_it_refuses_branch_and_tag_names_git_or_the_hub_would_not_take(name):
    with pytest.raises(InvalidName, match="Invalid reference for a tag"):
        validate_ref_name(name, kind="tag")


@pytest.mark.parametrize("revision", ["main", "refs/pr/1", "feature/x", "0123abcd", "é"])
def test_it_accepts_revisions_as_clients_name_them(revision):
    assert validate_revision(revision) == revision


@pytest.mark.parametrize("revision", ["", "main\x00x", "new\nline", "\udcff", 5, None])
def test_it_refuses_revisions_git_could_not_hold(revision):
    with pytest.raises(InvalidName):
        validate_revision(revision)
