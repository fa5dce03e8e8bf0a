import pytest

from registry.errors import InvalidName
from registry.names import validate_namespace, validate_path_in_repo, validate_repo_name


@pytest.mark.parametrize("name", ["alice", "Acme-Labs", "a", "bert2", "x" * 42])
def test_it_accepts_ordinary_namespaces(name):
    assert validate_namespace(name) == name


@pytest.mark.parametrize(
    "name", ["", "-alice", "alice-", "al--ice", "al ice", "al_ice", "x" * 43, "api", "Datasets"]
)
def test_it_refuses_bad_or_reserved_namespaces(name):
    with pytest.raises(InvalidName):
        validate_namespace(name)


@pytest.mark.parametrize("name", ["bert-base", "gpt2.v1", "my_model", "Tiny-Llama-1.1B", "m"])
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
    ["README.md", "data/train.csv", "sub x/awful?name%you:should,never.give", ".gitattributes"],
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
