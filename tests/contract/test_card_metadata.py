"""Card metadata that cannot hurt: a README whose YAML is broken, explodes through aliases or
nests without end is refused with the Hub's `Invalid metadata in README.md` message, by
/api/validate-yaml and by the commit itself, and the branch stays where it was."""

import io

import pytest

from tests.contract.conftest import (
    commit_header,
    file_line,
    head_sha,
    make_repo,
    ndjson,
    post_commit,
    wire,
    xet_disabled,
)

pytestmark = pytest.mark.live


def billion_laughs() -> str:
    """About 500 bytes that name 9 ** 9 copies of "lol" through aliases."""
    lines = ['a0: &a0 "lol"']
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "---\n" + "\n".join(lines) + "\n---\n# Laughs\n"


HOSTILE_CARDS = {
    "billion laughs": billion_laughs(),
    "deep nesting": "---\na: " + "[" * 50_000 + "]" * 50_000 + "\n---\n# Deep\n",
    "invalid yaml": "---\nlicense: mit\ntags: [unclosed\n---\n# Broken\n",
}
HUB_MESSAGE = "Invalid metadata in README.md.\n- "


@pytest.fixture(scope="module")
def repo_id(hub, alice) -> str:
    return make_repo(hub, alice, "card-metadata-contract")


@pytest.fixture
def client(hub, alice):
    with wire(hub, alice) as client:
        yield client


@pytest.mark.parametrize("readme", HOSTILE_CARDS.values(), ids=HOSTILE_CARDS.keys())
def test_a_commit_of_a_hostile_readme_is_a_400_with_the_hubs_message(
    hub, alice, repo_id, client, readme
):
    before = head_sha(hub, alice, repo_id)

    response = post_commit(
        client, repo_id, ndjson(commit_header(), file_line("README.md", readme.encode()))
    )

    assert response.status_code == 400
    assert response.headers["X-Error-Code"] == "InvalidCard"
    assert response.json()["error"].startswith(HUB_MESSAGE)
    assert head_sha(hub, alice, repo_id) == before


@pytest.mark.parametrize("readme", HOSTILE_CARDS.values(), ids=HOSTILE_CARDS.keys())
def test_upload_file_of_a_hostile_readme_raises_the_hubs_message_and_moves_nothing(
    hub, alice, repo_id, readme
):
    before = head_sha(hub, alice, repo_id)

    with xet_disabled(), pytest.raises(ValueError, match=r"^Invalid metadata in README\.md\.\n- "):
        alice.api(hub).upload_file(
            path_or_fileobj=io.BytesIO(readme.encode()), path_in_repo="README.md", repo_id=repo_id
        )

    assert head_sha(hub, alice, repo_id) == before


def test_a_card_with_dates_and_nan_commits_and_reads_back_as_json(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    readme = "---\nlicense: mit\ndate: 2024-01-31\nscore: .nan\n---\n# Dated\n"

    with xet_disabled():
        alice.api(hub).upload_file(
            path_or_fileobj=io.BytesIO(readme.encode()), path_in_repo="README.md", repo_id=repo_id
        )

    card = alice.api(hub).model_info(repo_id).card_data
    assert card["date"] == "2024-01-31"
    assert card["score"] is None


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "*/*", None])
def test_validate_yaml_answers_json_400_for_a_bad_card_whatever_accept_says(client, accept):
    headers = {"Accept": accept} if accept else {}

    response = client.post(
        "/api/validate-yaml",
        json={"content": HOSTILE_CARDS["billion laughs"], "repoType": "model"},
        headers=headers,
    )

    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")
    (error,) = response.json()["errors"]
    assert "expands to more than" in error["message"]
    assert response.json()["warnings"] == []


@pytest.mark.parametrize("accept", ["text/html", "application/xml"])
def test_validate_yaml_answers_json_200_for_a_good_card_whatever_accept_says(client, accept):
    response = client.post(
        "/api/validate-yaml",
        json={"content": "---\nlicense: mit\n---\n# Fine\n", "repoType": "model"},
        headers={"Accept": accept},
    )

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"errors": [], "warnings": []}


def test_a_card_without_metadata_is_valid_with_the_hubs_warning(hub, alice, repo_name):
    """create_commit shows the warning and commits: the client's own suite checks it."""
    repo_id = make_repo(hub, alice, repo_name)

    with pytest.warns(UserWarning, match="empty or missing yaml metadata in repo card"):
        alice.api(hub).upload_file(
            path_or_fileobj=b"A card without metadata\n", path_in_repo="README.md", repo_id=repo_id
        )

    assert "README.md" in alice.api(hub).list_repo_files(repo_id)
