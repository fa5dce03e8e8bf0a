"""Tree pages at a commit are kept per process (a commit's tree never changes), while the
permission check still runs on every request and pages keep their links."""

import pytest
from django.test import Client

from registry.api import files
from registry.models import Repo
from registry.services.tokens import token_create
from tests.security.conftest import bearer
from tests.web.conftest import commit_files, make_repo

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(monkeypatch):
    """How many times a page's JSON was built (the rest came from the kept pages)."""
    monkeypatch.setattr(files, "_tree_pages", files._PageCache(limit=1 << 20))
    monkeypatch.setattr(files, "_paths_answers", files._PageCache(limit=1 << 20))
    monkeypatch.setattr(files, "TREE_PAGE_SIZE", 2)
    counted = []
    build = files._entries_json
    monkeypatch.setattr(files, "_entries_json", lambda *a, **k: counted.append(1) or build(*a, **k))
    return counted


def test_a_page_is_built_once_and_still_refused_to_whom_may_no_longer_see_it(alice, charlie, built):
    repo = make_repo(alice, "kept")
    commit_files(repo, alice, {"a.txt": b"a", "b.txt": b"b", "c.txt": b"c"})
    owner = Client(headers=bearer(token_create(user=alice, name="t", role="read")[1]))
    outsider = Client(headers=bearer(token_create(user=charlie, name="t", role="read")[1]))
    url = "/api/models/alice/kept/tree/main"

    first, again = owner.get(url), outsider.get(url)
    assert first.content == again.content and len(built) == 1
    assert [e["path"] for e in first.json()] == [".gitattributes", "a.txt"]
    following = owner.get(first["Link"].split(";")[0].strip("<>"))
    assert [e["path"] for e in following.json()] == ["b.txt", "c.txt"]
    Repo.objects.filter(pk=repo.pk).update(private=True)

    assert outsider.get(url).status_code == 404
    assert owner.get(url).content == first.content and len(built) == 2


def test_paths_info_at_a_commit_is_kept_and_still_refused_to_outsiders(alice, charlie, built):
    repo = make_repo(alice, "paths")
    commit_files(repo, alice, {"a.txt": b"a", "b.txt": b"b"})
    owner = Client(headers=bearer(token_create(user=alice, name="t", role="read")[1]))
    outsider = Client(headers=bearer(token_create(user=charlie, name="t", role="read")[1]))
    url, body = "/api/models/alice/paths/paths-info/main", {"paths": ["b.txt", "a.txt", "no"]}

    first = owner.post(url, body)
    assert [e["path"] for e in first.json()] == ["b.txt", "a.txt"]
    assert outsider.post(url, body).content == first.content and len(built) == 1
    Repo.objects.filter(pk=repo.pk).update(private=True)

    assert outsider.post(url, body).status_code == 404
    assert owner.post(url, {"paths": ["a.txt"]}).json()[0]["path"] == "a.txt"
    assert len(built) == 2
