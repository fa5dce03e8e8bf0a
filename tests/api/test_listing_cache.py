"""Repo listings are answered from a cache while nothing they show changed: the same caller
asking the same query again costs no search, and every change to what a listing shows
(a repo created, made private or deleted, main moving, a membership) is seen at once."""

import pytest
from django.test import Client

from registry.api import listing
from registry.models import Repo
from registry.services.accounts import member_remove, membership_set, org_create
from registry.services.repos import repo_delete, repo_update_settings
from registry.services.tokens import token_create
from tests.security.conftest import bearer
from tests.web.conftest import commit_files, make_repo


@pytest.fixture
def searches(monkeypatch, settings):
    """How many times a listing ran its search (the cache answered the other times)."""
    settings.HUB_LIST_CACHE_SECONDS = 30
    counted = []
    search = listing.repo_search
    monkeypatch.setattr(listing, "repo_search", lambda **kw: counted.append(1) or search(**kw))
    return counted


def _ids(token: str | None, query: str = "?author=alice") -> set[str]:
    headers = bearer(token) if token else {}
    answer = Client().get(f"/api/models{query}", headers=headers)
    assert answer.status_code == 200
    return {m["id"] for m in answer.json()}


def _token(user) -> str:
    return token_create(user=user, name="laptop", role="read")[1]


@pytest.mark.django_db
def test_the_same_query_by_the_same_caller_is_searched_once(alice, searches):
    make_repo(alice, "one")

    assert _ids(None) == _ids(None) == {"alice/one"}
    assert len(searches) == 1
    assert _ids(None, "?author=alice&sort=downloads") == {"alice/one"}  # another query
    assert len(searches) == 2


@pytest.mark.django_db
def test_a_new_repo_a_private_switch_and_a_deletion_show_at_once(alice, charlie, searches):
    first = make_repo(alice, "first")
    outsider = _token(charlie)
    assert _ids(outsider) == {"alice/first"}

    second = make_repo(alice, "second")
    assert _ids(outsider) == {"alice/first", "alice/second"}
    repo_update_settings(user=alice, token=None, repo=second, private=True, gated=None)
    assert _ids(outsider) == {"alice/first"}
    repo_delete(user=alice, token=None, repo=first)
    assert _ids(outsider) == set()


@pytest.mark.django_db
def test_a_moved_main_shows_its_new_commit_at_once(alice, searches):
    repo = make_repo(alice, "moving")
    commit_files(repo, alice, {"a.txt": b"1\n"})
    before = Client().get("/api/models?author=alice").json()[0]["sha"]

    commit_files(repo, alice, {"a.txt": b"2\n"})

    after = Client().get("/api/models?author=alice").json()[0]["sha"]
    assert after != before and after == Repo.objects.get(pk=repo.pk).head_sha


@pytest.mark.django_db
def test_joining_and_leaving_an_org_changes_what_a_member_lists_at_once(alice, bob, searches):
    acme = org_create(name="acme", fullname="Acme", creator=alice)
    make_repo(alice, "plans", organization="acme", private=True)
    token = _token(bob)
    assert _ids(token, "?author=acme") == set()

    membership_set(org=acme, user=bob, role="read")
    assert _ids(token, "?author=acme") == {"acme/plans"}
    member_remove(org=acme, username="bob")
    assert _ids(token, "?author=acme") == set()


@pytest.mark.django_db
def test_callers_never_share_an_answer(alice, charlie, searches):
    make_repo(alice, "secret", private=True)
    make_repo(alice, "open")

    assert _ids(_token(alice)) == {"alice/secret", "alice/open"}
    assert _ids(_token(charlie)) == {"alice/open"}
    assert _ids(None) == {"alice/open"}
    fine = token_create(user=alice, name="ci", role="fineGrained", scoped=[
        {"entity": {"type": "model", "name": "alice/open"}, "permissions": ["repo.content.read"]}
    ])[1]  # fmt: skip
    assert _ids(fine) == {"alice/open"}
