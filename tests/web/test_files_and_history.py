"""Files and versions, commits and community as a Hub user reads them: icons, a download
button per file, the total size, LFS badges, the last commit per entry from one cached walk;
commit counts and copyable ids; comments in Markdown; open counts on the Community tab."""

import hashlib

import pytest
from django.core.cache import cache
from django.template.defaultfilters import filesizeformat

from registry.gitstore import GitRepo
from registry.services.discussions import discussion_create
from tests.web.conftest import commit_files, commit_lfs, make_repo

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny(alice):
    repo = make_repo(alice, "tiny")
    commit_files(repo, alice, {"config.json": b"{}", "sub/notes.txt": b"hello"}, "Add config")
    commit_lfs(repo, alice, "weights.bin", b"\1" * 4096)
    return repo


def test_each_file_has_an_icon_a_download_button_and_its_badge(client, tiny):
    page = client.get("/alice/tiny/tree/main").content.decode()

    assert page.count('class="icon folder"') == 1
    assert page.count('class="icon file"') == 3  # .gitattributes, config.json, weights.bin
    assert 'href="/alice/tiny/resolve/main/config.json?download=true"' in page
    assert 'aria-label="Download weights.bin"' in page
    assert 'title="Stored with Git LFS">LFS</span>' in page


def test_the_listing_gives_the_revisions_total_size(client, tiny):
    git = GitRepo(tiny.storage_id)
    total = sum(e.size for e in git.list_tree(git.resolve("main"), recursive=True))

    page = client.get("/alice/tiny/tree/main").content.decode()

    assert total > 4096
    assert f"{filesizeformat(total)} in all" in page


def test_the_last_commits_come_from_one_walk_kept_per_commit(client, tiny):
    sha = GitRepo(tiny.storage_id).resolve("main")
    cache.clear()

    page = client.get("/alice/tiny/tree/main").content.decode()

    assert ">Add config</a>" in page and ">Add weights.bin</a>" in page
    root = hashlib.sha256(b"").hexdigest()
    kept = cache.get(f"web:last-commits:{tiny.storage_id}:{sha}:{root}")
    assert kept["config.json"].title == "Add config"


def test_the_commit_list_counts_commits_and_offers_each_full_id_to_copy(client, tiny):
    git = GitRepo(tiny.storage_id)
    head = git.resolve("main")

    page = client.get("/alice/tiny/commits/main").content.decode()

    assert "3 commits" in page  # the initial commit, the config, the weights
    assert f'data-copy="{head}"' in page
    assert '<span class="initials" aria-hidden="true">A</span>' in page


def test_comments_render_markdown_tables_code_and_bare_urls_safely(client, alice, tiny):
    text = (
        "| a | b |\n|---|---|\n| 1 | 2 |\n\nSee https://example.com and `x = 1`\n\n"
        "<script>alert(1)</script>"
    )
    opened = discussion_create(
        user=alice,
        token=None,
        repo=tiny,
        git=GitRepo(tiny.storage_id),
        title="Q",
        description=text,
        pull_request=False,
    )

    page = client.get(f"/alice/tiny/discussions/{opened.num}").content.decode()

    assert "<table>" in page and "<td>1</td>" in page
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">' in page
    assert "<code>x = 1</code>" in page
    assert "<script>alert(1)</script>" not in page


def test_the_community_tab_counts_open_discussions(client, alice, tiny):
    for title in ("One", "Two"):
        discussion_create(
            user=alice,
            token=None,
            repo=tiny,
            git=GitRepo(tiny.storage_id),
            title=title,
            description="",
            pull_request=False,
        )

    page = client.get("/alice/tiny").content.decode()

    assert 'Community <span class="count" aria-label="2 open">2</span>' in page
