from registry.models import Repo
from registry.web.queries import LISTING_PAGE
from tests.web.conftest import commit_files, make_repo


def test_a_listing_filters_by_name_task_and_license(client, alice):
    bert = make_repo(alice, "tiny-bert")
    commit_files(bert, alice, {"README.md": b"---\npipeline_tag: fill-mask\nlicense: mit\n---\n"})
    make_repo(alice, "tiny-gpt")
    make_repo(alice, "other")

    names = client.get("/models?search=tiny").content
    assert (
        b"alice/tiny-bert" in names and b"alice/tiny-gpt" in names and b"alice/other" not in names
    )
    by_task = client.get("/models?task=fill-mask").content
    assert b"alice/tiny-bert" in by_task and b"alice/tiny-gpt" not in by_task
    by_license = client.get("/models?license=mit&search=tiny").content
    assert b"alice/tiny-bert" in by_license and b"alice/tiny-gpt" not in by_license


def test_a_listing_sorts_by_likes(client, alice):
    make_repo(alice, "plain")
    liked = make_repo(alice, "loved")
    Repo.objects.filter(pk=liked.pk).update(likes=5)

    page = client.get("/models?sort=likes").content.decode()

    assert page.index("alice/loved") < page.index("alice/plain")


def test_a_listing_pages_through_results_without_counting_them(client, alice):
    for number in range(LISTING_PAGE + 2):
        make_repo(alice, f"model-{number:02d}")

    first = client.get("/models?sort=updated").content.decode()
    second = client.get("/models?sort=updated&p=1").content.decode()

    assert first.count('class="repo-item"') == LISTING_PAGE
    assert 'rel="next" href="?sort=updated&amp;p=1"' in first
    assert second.count('class="repo-item"') == 2 and 'rel="prev"' in second


def test_an_empty_listing_says_so(client, db):
    assert b"No datasets match these filters." in client.get("/datasets?search=nothing").content


def test_the_home_page_shows_trending_repos_of_each_type(client, alice):
    make_repo(alice, "squad-mini", repo_type="dataset")

    page = client.get("/").content.decode()

    assert "alice/squad-mini" in page and "No spaces yet." in page


def test_search_finds_repos_of_every_type(client, alice):
    make_repo(alice, "tiny-model")
    make_repo(alice, "tiny-data", repo_type="dataset")

    page = client.get("/search?q=tiny").content.decode()

    assert 'href="/alice/tiny-model"' in page and 'href="/datasets/alice/tiny-data"' in page
