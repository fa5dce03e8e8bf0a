"""Card metadata is read by one bounded YAML loader: a README cannot make the hub build more
than it sent, recurse past the stack, or hand the JSON store a value it cannot hold."""

import json
import time

import pytest

from evaluation.modelindex import card_with_result
from registry.cards import (
    MAX_ALIASES,
    MAX_DEPTH,
    InvalidCard,
    card_metadata_check,
    card_schema_check,
)
from registry.gitstore import Change, GitRepo
from registry.selectors import card_at
from registry.services.repos import repo_create


def card(yaml_text: str) -> str:
    return f"---\n{yaml_text}\n---\n# A model\n"


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """Under 600 bytes that name `width ** levels` copies of "lol" through aliases."""
    lines = ['a0: &a0 "lol"']
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    return card("\n".join(lines))


def nested(depth: int) -> str:
    return card("a: " + "[" * depth + "]" * depth)


def refusal(text: str) -> InvalidCard:
    with pytest.raises(InvalidCard) as caught:
        card_metadata_check(text)
    return caught.value


def test_a_billion_laughs_card_is_refused_before_anything_expands():
    started = time.monotonic()

    refused = refusal(billion_laughs())

    assert time.monotonic() - started < 2
    assert refused.status == 400
    assert refused.message.startswith("Invalid metadata in README.md.\n- ")
    assert "expands to more than" in refused.message


def test_more_aliases_than_the_bound_are_refused_even_when_they_expand_to_little():
    aliases = ", ".join(["*x"] * (MAX_ALIASES + 1))

    refused = refusal(card(f"x: &x 1\ny: [{aliases}]"))

    assert f"more than {MAX_ALIASES} aliases" in refused.message


def test_a_few_anchors_and_aliases_still_read_as_the_yaml_they_name():
    data = card_metadata_check(card("base: &base {lr: 0.1}\nrun: *base\nother:\n  <<: *base\n"))

    assert data == {"base": {"lr": 0.1}, "run": {"lr": 0.1}, "other": {"lr": 0.1}}


def test_an_alias_of_its_own_parent_is_refused():
    refused = refusal(card("a: &a [1, *a]"))

    assert "recursive alias" in refused.message


def test_nesting_past_the_bound_is_refused_and_just_under_it_is_read():
    refused = refusal(nested(100_000))

    assert f"nested more than {MAX_DEPTH} levels" in refused.message
    assert card_metadata_check(nested(MAX_DEPTH - 2))["a"] is not None


def test_invalid_yaml_is_refused_with_the_hubs_words_and_the_readme_line():
    refused = refusal("---\nlicense: mit\ntags: [unclosed\n---\n")

    assert refused.message.startswith(
        "Invalid metadata in README.md.\n- Invalid YAML in README.md: "
    )
    assert "(4:1)" in refused.message
    assert refused.code == "InvalidCard"
    assert refused.body["errors"][0]["message"] == refused.message.split("\n- ", 1)[1]


def test_metadata_that_is_not_a_mapping_is_refused():
    assert "must be a mapping" in refusal(card("- a\n- b")).message


@pytest.mark.parametrize("tagged", ["!!binary aGk=", "!!set {a}", "!!python/tuple [1]"])
def test_tags_json_cannot_hold_are_refused_as_unknown(tagged):
    assert "Invalid YAML in README.md" in refusal(card(f"x: {tagged}")).message


def test_dates_stay_the_text_the_card_wrote_and_nan_reads_as_null():
    data = card_metadata_check(card("date: 2024-01-31\nat: 2024-01-31T10:00:00Z\nscore: .nan"))

    assert data == {"date": "2024-01-31", "at": "2024-01-31T10:00:00Z", "score": None}
    assert json.dumps(data, allow_nan=False)


def test_a_readme_without_front_matter_has_no_metadata():
    assert card_metadata_check("# Just a title\n") == {}
    assert card_metadata_check("") == {}


def test_a_model_card_bigger_than_the_bound_is_refused_unread():
    huge = card("k: " + "x" * 1_000_001)

    assert "expands to more than" in refusal(huge).message


def test_card_at_reads_a_hostile_readme_already_in_git_as_no_metadata(alice, settings, tmp_path):
    settings.HUB_REPOS_DIR = tmp_path / "repos"
    repo = repo_create(user=alice, token=None, name="tiny", organization=None,
                       repo_type="model", private=False)  # fmt: skip
    git = GitRepo(repo.storage_id)
    # Written below the commit service, as an old hub or a raw git write could have left it.
    readme = git.write_blob(billion_laughs().encode())
    sha = git.write_commit(
        parent=git.resolve("main"),
        changes=[Change("add", "README.md", readme)],
        message="laughs\n",
        author=("alice", "alice@example.com"),
    )

    assert card_at(git=git, sha=sha) == {}


def test_the_evaluation_write_back_refuses_a_billion_laughs_card():
    entry = {"task": {"type": "text-classification"}, "dataset": {"type": "imdb"}}

    with pytest.raises(InvalidCard, match="expands to more than"):
        card_with_result(billion_laughs(), model_name="m", entry=entry)


def test_metadata_after_blank_lines_is_read_and_checked():
    assert card_metadata_check("\n---\nlicense: mit\n---\n# Card\n") == {"license": "mit"}
    with pytest.raises(InvalidCard, match="model-index"):
        card_schema_check(card_metadata_check("\n---\nmodel-index: foo\n---\n"))
