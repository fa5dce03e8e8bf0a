"""Model and dataset cards: the YAML front matter of README.md, and what the Hub derives from it."""

import nh3
import pygments
import yaml
from markdown_it import MarkdownIt
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

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


# -- rendering --------------------------------------------------------------------------------
# Cards are untrusted: Markdown (raw HTML allowed, as on the Hub) is rendered, then cleaned
# by nh3 to an allowlist. No script, event handler, style or javascript: URL survives, and
# only Pygments' token classes may appear, so a card cannot dress up as the hub's own UI.

_CODE_CLASSES = frozenset(STANDARD_TYPES.values()) - {""}
_URL_SCHEMES = {"http", "https", "mailto"}
_MAX_HIGHLIGHT = 200_000


def _highlight(code: str, lang: str, _attrs: str) -> str:
    try:
        lexer = get_lexer_by_name(lang) if lang else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    if len(code) > _MAX_HIGHLIGHT:
        lexer = TextLexer()
    body = pygments.highlight(code, lexer, HtmlFormatter(nowrap=True))
    return f'<pre class="highlight"><code>{body}</code></pre>'


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "highlight": _highlight, "linkify": False})
    return md.enable(["table", "strikethrough"])


_MD = _markdown()


def _rebase(url: str, base: str) -> str:
    """Joins a relative link in a card onto `base` (the repo's file route at the revision)."""
    if not base or not url or url.startswith(("#", "/", "//")) or ":" in url.split("/")[0]:
        return url
    return base + url.removeprefix("./")


def _rebase_tokens(tokens, *, link_base: str, image_base: str) -> None:
    for token in tokens:
        if token.children:
            _rebase_tokens(token.children, link_base=link_base, image_base=image_base)
        if token.type == "link_open":
            token.attrSet("href", _rebase(str(token.attrGet("href") or ""), link_base))
        elif token.type == "image":
            token.attrSet("src", _rebase(str(token.attrGet("src") or ""), image_base))


def render_markdown(text: str, *, link_base: str = "", image_base: str = "") -> str:
    """Sanitised HTML for Markdown `text`; relative links and images are joined onto the bases."""
    env: dict = {}
    tokens = _MD.parse(text, env)
    _rebase_tokens(tokens, link_base=link_base, image_base=image_base)
    html = _MD.renderer.render(tokens, _MD.options, env)
    return sanitize_html(html)


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=nh3.ALLOWED_TAGS,
        attributes=nh3.ALLOWED_ATTRIBUTES,
        allowed_classes={"span": set(_CODE_CLASSES), "pre": {"highlight"}},
        url_schemes=_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


def card_body(text: str) -> str:
    """The Markdown of a card without its YAML front matter."""
    return split_front_matter(text)[1]


def card_sidebar(data: dict) -> dict:
    """What the card page shows beside the text: license, datasets, base model, languages,
    and the model-index results as rows of (task, dataset, metric, value)."""
    return {
        "license": _as_list(data.get("license")),
        "datasets": _as_list(data.get("datasets")),
        "base_model": _as_list(data.get("base_model")),
        "languages": _as_list(data.get("language")),
        "results": _model_index_rows(data.get("model-index")),
    }


def _model_index_rows(index) -> list[dict]:
    rows: list[dict] = []
    for model in index if isinstance(index, list) else []:
        for result in _dicts(model.get("results")):
            task = _dict(result.get("task"))
            dataset = _dict(result.get("dataset"))
            for metric in _dicts(result.get("metrics")):
                rows.append(
                    {
                        "task": str(task.get("name") or task.get("type") or ""),
                        "dataset": str(dataset.get("name") or dataset.get("type") or ""),
                        "metric": str(metric.get("name") or metric.get("type") or ""),
                        "value": metric.get("value"),
                    }
                )
    return rows[:100]


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _dicts(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def search_tags(data: dict, *, repo_type: str) -> list[str]:
    """What `filter=` matches: the shown tags, plus `language:x` for models, whose cards show
    languages bare (`en`) while clients filter with the prefix."""
    tags = card_tags(data, repo_type=repo_type)
    if repo_type != "dataset":
        tags += ["language:" + value for value in _as_list(data.get("language"))]
    return list(dict.fromkeys(tags))
