"""Model and dataset cards: the YAML front matter of README.md, and what the Hub derives from it."""

import yaml

from registry.errors import BadRequest


class InvalidCard(BadRequest):
    code = "InvalidCard"


def split_front_matter(text: str) -> tuple[str | None, str]:
    """(YAML text or None, Markdown body) of a card."""
    if not text.startswith("---"):
        return None, text
    lines = text.splitlines(keepends=True)
    if lines[0].strip() != "---":
        return None, text
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :])
    return None, text


def parse_card_data(text: str) -> dict:
    """The front matter as a dict; InvalidCard when it is not a YAML mapping."""
    front, _ = split_front_matter(text)
    if front is None:
        return {}
    try:
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        raise InvalidCard(f"Invalid YAML in README.md metadata: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidCard("README.md metadata must be a YAML mapping")
    return data


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value if item is not None]
    return [str(value)]


def card_tags(data: dict, *, repo_type: str) -> list[str]:
    """The tags the Hub shows and filters on, derived from card metadata."""
    tags: list[str] = []
    tags += _as_list(data.get("library_name"))
    tags += _as_list(data.get("tags"))
    if data.get("pipeline_tag"):
        tags.append(str(data["pipeline_tag"]))
    for key, prefix in (
        ("license", "license:"),
        ("datasets", "dataset:"),
        ("base_model", "base_model:"),
    ):
        tags += [prefix + value for value in _as_list(data.get(key))]
    language_prefix = "language:" if repo_type == "dataset" else ""
    tags += [language_prefix + value for value in _as_list(data.get("language"))]
    if repo_type == "dataset":
        tags += ["task_categories:" + value for value in _as_list(data.get("task_categories"))]
    return list(dict.fromkeys(tags))
