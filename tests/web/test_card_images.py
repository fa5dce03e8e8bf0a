"""Pages load nothing from other sites: a card's image from elsewhere is shown as a link to it,
its own images still show, and the page's policy lets the browser load images from the hub
alone."""

import pytest

from registry.cards import render_markdown
from tests.web.conftest import commit_files, make_repo

BASES = {"link_base": "/alice/tiny/blob/main/", "image_base": "/alice/tiny/resolve/main/"}

CARD = b"""---
license: mit
---
# Tiny

![a figure](img/fig.png)

![a tracker](https://tracker.example/pixel.png)

<img src="https://tracker.example/raw.png" alt="raw">
"""


def directives(policy: str) -> dict[str, list[str]]:
    parts = (directive.split() for directive in policy.split(";") if directive.strip())
    return {name: sources for name, *sources in parts}


def test_a_markdown_image_from_another_site_becomes_a_link_to_it():
    html = render_markdown("![a chart](https://other.example/chart.png)", **BASES)

    assert "<img" not in html
    assert '<a href="https://other.example/chart.png" rel="nofollow noopener noreferrer">' in html
    assert ">a chart</a>" in html


def test_a_raw_img_tag_from_another_site_becomes_a_link_to_it():
    html = render_markdown('<p><img src=https://other.example/x.png alt="x < y"></p>', **BASES)

    assert "<img" not in html
    assert '<a href="https://other.example/x.png" rel="nofollow noopener noreferrer">' in html
    assert ">x &lt; y</a>" in html


def test_an_image_without_alt_text_links_with_its_address():
    html = render_markdown("<img src='https://other.example/x.png'>")

    assert ">https://other.example/x.png</a>" in html


@pytest.mark.parametrize(
    "src",
    ["//other.example/x.png", "/\\other.example/x.png", "http://other.example/x.png"],
)
def test_every_spelling_of_another_origin_is_a_link(src):
    html = render_markdown(f'<img src="{src}" alt="x">', **BASES)

    assert "<img" not in html
    assert ">x</a>" in html


def test_a_badge_inside_a_link_keeps_the_link_and_shows_its_alt_text():
    html = render_markdown(
        "[![build passing](https://badges.example/ci.svg)](https://ci.example/run)", **BASES
    )

    assert "<img" not in html
    assert html.count("<a ") == 1
    assert 'href="https://ci.example/run"' in html
    assert ">build passing</a>" in html


def test_the_repos_own_images_still_render():
    html = render_markdown("![fig](./img/fig.png) <img src='plots/loss.png'>", **BASES)

    assert '<img src="/alice/tiny/resolve/main/img/fig.png" alt="fig">' in html
    assert '<img src="plots/loss.png">' in html


def test_the_card_page_links_outside_images_and_shows_its_own(client, alice):
    repo = make_repo(alice)
    commit_files(repo, alice, {"README.md": CARD})

    page = client.get("/alice/tiny").content.decode()

    assert '<img src="/alice/tiny/resolve/main/img/fig.png" alt="a figure">' in page
    assert "tracker.example" in page
    assert 'src="https://tracker.example' not in page
    assert '<a href="https://tracker.example/pixel.png"' in page
    assert '<a href="https://tracker.example/raw.png"' in page


def test_the_card_page_lets_images_load_from_the_hub_alone(client, alice):
    repo = make_repo(alice)
    commit_files(repo, alice, {"README.md": CARD})

    policy = directives(client.get("/alice/tiny")["Content-Security-Policy"])

    assert policy["img-src"] == ["'self'", "data:", "blob:"]
    assert policy["default-src"] == ["'self'"]
