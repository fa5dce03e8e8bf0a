"""Card rendering: Markdown in, sanitised HTML out."""

import pytest

from registry.cards import card_sidebar, render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    '<iframe src="https://example.com"></iframe>',
    '<svg onload="alert(1)"></svg>',
    '<div style="position:fixed">x</div>',
    '<form action="/x"><input name="p"></form>',
    '<object data="x.swf"></object>',
    '<span class="topbar button">fake ui</span>',
]


@pytest.mark.parametrize("markdown", HOSTILE)
def test_hostile_markup_is_removed(markdown):
    html = render_markdown(markdown).lower()

    for needle in (
        "<script",
        "onerror",
        "onload",
        'href="javascript',
        "<iframe",
        "style=",
        "<form",
        "<input",
        "<object",
        "topbar",
    ):
        assert needle not in html


def test_tables_and_highlighted_code_survive():
    html = render_markdown("| a |\n|---|\n| 1 |\n\n```python\nx = 1\n```\n")

    assert "<td>1</td>" in html
    assert '<span class="n">x</span>' in html


def test_relative_links_point_into_the_repo_and_absolute_ones_stay():
    html = render_markdown(
        "[c](config.json) [w](https://example.com) ![i](./a.png)",
        link_base="/a/b/blob/main/",
        image_base="/a/b/resolve/main/",
    )

    assert 'href="/a/b/blob/main/config.json"' in html
    assert 'href="https://example.com"' in html
    assert 'src="/a/b/resolve/main/a.png"' in html


def test_the_sidebar_reads_model_index_results():
    data = {
        "license": "mit",
        "model-index": [
            {
                "results": [
                    {
                        "task": {"type": "qa"},
                        "dataset": {"name": "SQuAD"},
                        "metrics": [{"type": "f1", "value": 88.5}],
                    }
                ]
            }
        ],
    }

    sidebar = card_sidebar(data)

    assert sidebar["license"] == ["mit"]
    assert sidebar["results"] == [{"task": "qa", "dataset": "SQuAD", "metric": "f1", "value": 88.5}]


def test_a_malformed_model_index_is_ignored():
    assert card_sidebar({"model-index": "nonsense"})["results"] == []
