"""A signed LFS download link is checked again when it is used: it stops working when the
repo turns private, or the token it was issued through is revoked, before it expires."""

import json
from urllib.parse import urlsplit

from django.test import Client

from registry.models import AccessToken
from registry.services.repos import repo_update_settings
from registry.services.tokens import token_revoke
from tests.conftest import make_token
from tests.web.conftest import _storage, commit_lfs, make_repo  # noqa: F401

DATA = b"weights that leave only through a signed link" * 10


def download_link(repo, oid: str, token: str | None) -> str:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = Client().post(
        f"/{repo.repo_id}.git/info/lfs/objects/batch",
        data=json.dumps({"operation": "download", "objects": [{"oid": oid, "size": len(DATA)}]}),
        content_type="application/vnd.git-lfs+json",
        **headers,
    )
    href = response.json()["objects"][0]["actions"]["download"]["href"]
    parts = urlsplit(href)
    return f"{parts.path}?{parts.query}"


def fetch(link: str):
    response = Client().get(link)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body


def test_an_anonymous_link_stops_working_when_the_repo_turns_private(alice):
    repo = make_repo(alice, "public-weights")
    oid = commit_lfs(repo, alice, "model.bin", DATA)
    link = download_link(repo, oid, token=None)
    assert fetch(link) == (200, DATA)

    repo_update_settings(user=alice, token=None, repo=repo, private=True, gated=None)

    status, body = fetch(link)
    assert status == 401 and DATA not in body  # the Hub's answer to anonymous callers


def test_a_link_stops_working_when_its_token_is_revoked(alice):
    repo = make_repo(alice, "private-weights", private=True)
    oid = commit_lfs(repo, alice, "model.bin", DATA)
    token = make_token(alice, name="ci")
    link = download_link(repo, oid, token=token)
    assert fetch(link) == (200, DATA)

    token_revoke(user=alice, public_id=AccessToken.objects.get(name="ci").public_id)

    status, body = fetch(link)
    assert status == 403 and DATA not in body
