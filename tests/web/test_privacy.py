"""A private repo is as invisible on every page as in the API: 404 to charlie and anonymous."""

import pytest

from tests.web.conftest import commit_files, make_repo

PAGES = [
    "",
    "/tree/main",
    "/blob/main/README.md",
    "/raw/main/README.md",
    "/commits/main",
    "/discussions",
    "/evaluation",
    "/settings",
    "/upload/main",
    "/edit/main/README.md",
    "/delete/main/README.md",
]


@pytest.fixture
def secret(alice):
    repo = make_repo(alice, "secret-model", private=True)
    commit_files(repo, alice, {"README.md": b"# Secret\n"})
    return repo


@pytest.mark.parametrize("suffix", PAGES)
def test_charlie_gets_404_on_every_page_of_a_private_repo(client, charlie, secret, suffix):
    client.force_login(charlie)

    response = client.get(f"/alice/secret-model{suffix}")

    assert response.status_code == 404
    assert b"Secret" not in response.content


def test_anonymous_gets_404_with_a_hint_to_sign_in(client, secret):
    response = client.get("/alice/secret-model")

    assert response.status_code == 404
    assert b"sign in" in response.content


@pytest.mark.parametrize(
    "url", ["/", "/models", "/models?search=secret", "/search?q=secret", "/alice"]
)
def test_listings_search_and_profiles_leave_no_trace(client, charlie, secret, url):
    make_repo(charlie, "public-model")
    client.force_login(charlie)

    page = client.get(url)

    assert page.status_code == 200
    assert b"secret-model" not in page.content


def test_the_owner_sees_the_private_repo_with_its_badge(client, alice, secret):
    client.force_login(alice)

    assert b"secret-model" in client.get("/models").content
    assert (
        b'<span class="badge private">Private</span>' in client.get("/alice/secret-model").content
    )


def test_charlie_cannot_like_or_post_to_a_private_repo(client, charlie, secret):
    client.force_login(charlie)

    assert client.post("/alice/secret-model/like").status_code == 404
    assert client.post("/alice/secret-model/discussions", {"title": "hi"}).status_code == 404
    assert (
        client.post(
            "/alice/secret-model/settings", {"action": "delete", "confirm": "alice/secret-model"}
        ).status_code
        == 404
    )


def test_a_reader_cannot_open_settings_of_a_public_repo(client, charlie, alice):
    make_repo(alice, "open-model")
    client.force_login(charlie)

    assert client.get("/alice/open-model/settings").status_code == 403
