"""Model and dataset cards: the YAML front matter of README.md, and what the Hub derives from it."""

import math
import re
from html import escape, unescape
from urllib.parse import urlsplit

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

    def __init__(self, detail: str):
        # The Hub's words: huggingface_hub prints each `errors[].message` of /api/validate-yaml
        # as "- detail" under this line, and a commit's 400 carries the same text.
        super().__init__(
            f"Invalid metadata in README.md.\n- {detail}",
            body={"errors": [{"message": detail, "type": "error"}], "warnings": []},
        )


def split_front_matter(text: str) -> tuple[str | None, str]:
    """(YAML text or None, Markdown body) of a card.

    Blank space before the opening `---` is allowed, as the Hub and the client's own
    parser (`\\s*---`) allow it: such a card's metadata is read and validated too.
    """
    if not text.lstrip().startswith("---"):
        return None, text
    lines = text.lstrip().splitlines(keepends=True)
    if lines[0].strip() != "---":
        return None, text
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :])
    return None, text


# Card metadata is stored as JSON, indexed, shown and rewritten by workers, so what a card
# can make us build is bounded: a few dozen bytes of anchors and aliases ("billion laughs")
# would otherwise expand to gigabytes the moment anything walks the data, and deep nesting
# recurses the composer past Python's stack.
# README.md is read for its card (metadata, rendered body) up to this many bytes.
CARD_MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_ALIASES = 128
MAX_EXPANDED = 1_000_000  # characters of scalars plus one per node, aliases counted in full


class _Breach(yaml.YAMLError):
    pass


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that counts what each node expands to, so the bounds hold before any
    Python object is built."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._sizes: dict[int, int] = {}  # id(node) -> expanded size, once composed

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        alias = self.check_event(yaml.AliasEvent)
        if alias:
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Breach(f"YAML metadata uses more than {MAX_ALIASES} aliases")
        elif self._depth >= MAX_DEPTH:
            raise _Breach(f"YAML metadata is nested more than {MAX_DEPTH} levels deep")
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if alias:
            if id(node) not in self._sizes:  # an alias of a node still open: a cycle
                raise _Breach("YAML metadata has a recursive alias")
            return node
        self._sizes[id(node)] = size = self._size(node)
        if size > MAX_EXPANDED:
            raise _Breach(f"YAML metadata expands to more than {MAX_EXPANDED} characters")
        return node

    def _size(self, node: yaml.Node) -> int:
        if isinstance(node, yaml.ScalarNode):
            return 1 + len(node.value)
        if isinstance(node, yaml.SequenceNode):
            return 1 + sum(self._sizes[id(child)] for child in node.value)
        return 1 + sum(self._sizes[id(k)] + self._sizes[id(v)] for k, v in node.value)

    # What a card holds is stored as JSON: dates stay the text the card wrote, NaN and
    # infinities become null (as JSON.stringify has them, and Postgres refuses NaN), and
    # bytes and sets, which JSON cannot hold, are unknown tags.
    def _timestamp_as_text(self, node: yaml.ScalarNode) -> str:
        return self.construct_scalar(node)

    def _finite_float(self, node: yaml.ScalarNode) -> float | None:
        value = self.construct_yaml_float(node)
        return value if math.isfinite(value) else None

    def _unknown_tag(self, node: yaml.Node) -> None:
        raise yaml.constructor.ConstructorError(
            None, None, f"unknown tag !<{node.tag}>", node.start_mark
        )


_BoundedLoader.add_constructor("tag:yaml.org,2002:timestamp", _BoundedLoader._timestamp_as_text)
_BoundedLoader.add_constructor("tag:yaml.org,2002:float", _BoundedLoader._finite_float)
_BoundedLoader.add_constructor("tag:yaml.org,2002:binary", _BoundedLoader._unknown_tag)
_BoundedLoader.add_constructor("tag:yaml.org,2002:set", _BoundedLoader._unknown_tag)


def _yaml_detail(exc: yaml.YAMLError) -> str:
    if isinstance(exc, _Breach):
        return str(exc)
    # The Hub's commit endpoint words a syntax error this way: "Invalid YAML in README.md:
    # unknown tag ... (33:3)".
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    # Lines of README.md, whose first line is the opening `---`.
    where = f" ({mark.line + 2}:{mark.column + 1})" if mark is not None else ""
    return f"Invalid YAML in README.md: {problem}{where}"


def card_metadata_check(text: str) -> dict:
    """The README's front matter as a dict ({} when it has none). Raises InvalidCard (400)
    on any YAML error, on metadata that is not a mapping, and past the bounds above; every
    reader of card metadata goes through here."""
    front, _ = split_front_matter(text)
    if front is None:
        return {}
    if len(front) > MAX_EXPANDED:
        raise InvalidCard(f"YAML metadata expands to more than {MAX_EXPANDED} characters")
    try:
        data = yaml.load(front, Loader=_BoundedLoader)  # a SafeLoader: no Python objects
    except yaml.YAMLError as exc:
        raise InvalidCard(_yaml_detail(exc)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidCard("YAML metadata must be a mapping")
    return data


def yaml_bounded_load(text: str) -> object:
    """Any YAML document under card metadata's bounds (depth, aliases, expanded size), for
    other YAML files the hub reads from repos. Raises yaml.YAMLError."""
    if len(text) > MAX_EXPANDED:
        raise _Breach(f"YAML expands to more than {MAX_EXPANDED} characters")
    return yaml.load(text, Loader=_BoundedLoader)  # a SafeLoader: no Python objects


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
    # linkify: bare URLs become links, as on the Hub (cards and discussion comments alike).
    md = MarkdownIt("commonmark", {"html": True, "highlight": _highlight, "linkify": True})
    return md.enable(["table", "strikethrough", "linkify"])


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
    return _external_images_as_links(sanitize_html(html))


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=nh3.ALLOWED_TAGS,
        attributes=nh3.ALLOWED_ATTRIBUTES,
        allowed_classes={"span": set(_CODE_CLASSES), "pre": {"highlight"}},
        url_schemes=_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


# Pages load nothing from other sites (the CSP has img-src 'self'), so an image from another
# origin becomes a link to it, or its bare alt text inside a link (a badge), instead of a
# broken picture. This reads nh3's output, which quotes every attribute value with `"` and
# escapes `<` in text, so a tag is exactly this pattern.
_TAG_RE = re.compile(r'<(/?)(a|img)((?:\s+[^\s"\'=<>/]+(?:="[^"]*")?)*)\s*/?>')
_ATTR_RE = re.compile(r'([^\s"\'=<>/]+)="([^"]*)"')
_C0_AND_SPACE = "".join(map(chr, range(33)))


def _is_external(url: str) -> bool:
    # As a browser reads it: tabs and newlines dropped, ends trimmed, `\` taken for `/`.
    url = re.sub(r"[\t\n\r]", "", url).strip(_C0_AND_SPACE).replace("\\", "/")
    return url.startswith("//") or bool(urlsplit(url).scheme)


def _external_images_as_links(html: str) -> str:
    inside_link = 0

    def replace(match: re.Match) -> str:
        nonlocal inside_link
        closing, tag, attributes = match.groups()
        if tag == "a":
            inside_link += -1 if closing else 1
            return match.group(0)
        values = dict(_ATTR_RE.findall(attributes))
        src = values.get("src", "")
        if not _is_external(unescape(src)):
            return match.group(0)
        text = escape(unescape(values.get("alt") or src), quote=False)
        if inside_link:
            return text
        return f'<a href="{src}" rel="nofollow noopener noreferrer">{text}</a>'

    return _TAG_RE.sub(replace, html)


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


# The license identifiers the Hub accepts in card metadata (hub-docs, "Licenses").
HUB_LICENSES = frozenset(
    [
        "apache-2.0",
        "mit",
        "openrail",
        "bigscience-openrail-m",
        "creativeml-openrail-m",
        "bigscience-bloom-rail-1.0",
        "bigcode-openrail-m",
        "afl-3.0",
        "artistic-2.0",
        "bsl-1.0",
        "bsd",
        "bsd-2-clause",
        "bsd-3-clause",
        "bsd-3-clause-clear",
        "c-uda",
        "cc",
        "cc0-1.0",
        "cc-by-2.0",
        "cc-by-2.5",
        "cc-by-3.0",
        "cc-by-4.0",
        "cc-by-sa-3.0",
        "cc-by-sa-4.0",
        "cc-by-nc-2.0",
        "cc-by-nc-3.0",
        "cc-by-nc-4.0",
        "cc-by-nd-4.0",
        "cc-by-nc-nd-3.0",
        "cc-by-nc-nd-4.0",
        "cc-by-nc-sa-2.0",
        "cc-by-nc-sa-3.0",
        "cc-by-nc-sa-4.0",
        "cdla-sharing-1.0",
        "cdla-permissive-1.0",
        "cdla-permissive-2.0",
        "wtfpl",
        "ecl-2.0",
        "epl-1.0",
        "epl-2.0",
        "etalab-2.0",
        "eupl-1.1",
        "eupl-1.2",
        "agpl-3.0",
        "gfdl",
        "gpl",
        "gpl-2.0",
        "gpl-3.0",
        "lgpl",
        "lgpl-2.1",
        "lgpl-3.0",
        "isc",
        "h-research",
        "intel-research",
        "lppl-1.3c",
        "ms-pl",
        "apple-ascl",
        "apple-amlr",
        "mpl-2.0",
        "odc-by",
        "odbl",
        "openmdw-1.0",
        "openrail++",
        "osl-3.0",
        "postgresql",
        "ofl-1.1",
        "ncsa",
        "unlicense",
        "zlib",
        "pddl",
        "lgpl-lr",
        "deepfloyd-if-license",
        "fair-noncommercial-research-license",
        "llama2",
        "llama3",
        "llama3.1",
        "llama3.2",
        "llama3.3",
        "llama4",
        "gemma",
        "unknown",
        "other",
    ]
)


def card_schema_check(data: dict) -> None:
    """What /api/validate-yaml checks beyond YAML, in the Hub's words: a known license and a
    model-index list. Raises InvalidCard. Only the validation route asks: huggingface_hub
    calls it before every commit of a README.md, and cards already stored stay readable."""
    licenses = data.get("license")
    for value in licenses if isinstance(licenses, list) else [licenses]:
        if value is not None and (not isinstance(value, str) or value not in HUB_LICENSES):
            raise InvalidCard(f'"license" must be one of [{", ".join(sorted(HUB_LICENSES))}]')
    index = data.get("model-index")
    if index is not None and not (
        isinstance(index, list) and all(isinstance(item, dict) for item in index)
    ):
        raise InvalidCard('"model-index" must be an array of objects')
