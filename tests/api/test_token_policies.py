"""Token policies through the one permission rule: fine-grained tokens reach only what their
grants name, expired tokens are refused, and an organization's maximum lifetime shuts out
the tokens that exceed it. Organization admins list and revoke the tokens that reach it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from registry.models import AccessToken
from registry.services.accounts import membership_set, org_create
from registry.services.tokens import org_token_policy_set, token_create
from tests.security.conftest import bearer, file_line, header_line, ndjson
from tests.web.conftest import commit_files, make_repo


def _fine(user, *entries: tuple[str, str, list[str]], **fields) -> str:
    scoped = [{"entity": {"type": t, "name": n}, "permissions": p} for t, n, p in entries]
    return token_create(user=user, name="ci", role="fineGrained", scoped=scoped, **fields)[1]


def _commit(token: str, repo_id: str, *, path: str = "ci.txt"):
    body = ndjson(header_line("from CI"), file_line(path, b"built\n"))
    return Client().post(f"/api/models/{repo_id}/commit/main", body,
                         content_type="application/x-ndjson", headers=bearer(token))  # fmt: skip


def _get(token: str, url: str):
    return Client().get(url, headers=bearer(token))


@pytest.fixture
def repos(alice):
    """alice/target (private, CI's), alice/secret (private), alice/open (public)."""
    made = {
        name: make_repo(alice, name, private=name != "open")
        for name in ("target", "secret", "open")
    }
    for repo in made.values():
        commit_files(repo, alice, {"README.md": b"# hello\n", "data.txt": b"rows\n"})
    return made


def test_a_one_repo_write_token_writes_there_and_nowhere_else(alice, repos):
    token = _fine(alice, ("model", "alice/target", ["repo.content.read", "repo.write"]))

    assert _commit(token, "alice/target").status_code == 200
    elsewhere = _commit(token, "alice/open")
    assert elsewhere.status_code == 403
    assert "no repo.write permission on alice/open" in elsewhere["X-Error-Message"]
    assert _get(token, "/api/models/alice/secret").status_code == 404
    assert _get(token, "/alice/secret/resolve/main/data.txt").status_code == 404
    assert (
        b"".join(_get(token, "/alice/target/resolve/main/ci.txt").streaming_content) == b"built\n"
    )
    assert _get(token, "/alice/open/resolve/main/README.md").status_code == 200  # public


def test_a_fine_grained_token_lists_only_the_private_repos_it_was_granted(alice, repos):
    token = _fine(alice, ("model", "alice/target", ["repo.content.read"]))

    listed = {m["id"] for m in _get(token, "/api/models?author=alice").json()}

    assert listed == {"alice/target", "alice/open"}


def test_a_discussions_token_opens_discussions_but_cannot_commit(alice, repos):
    token = _fine(alice, ("model", "alice/target", ["discussion.write"]))

    opened = Client().post("/api/models/alice/target/discussions", {"title": "Flaky test"},
                           content_type="application/json", headers=bearer(token))  # fmt: skip
    assert opened.status_code == 200
    assert _commit(token, "alice/target").status_code == 403
    # It sees the repo and its card, but reading its files takes repo.content.read.
    assert _get(token, "/alice/target/resolve/main/data.txt").status_code == 403


def test_an_org_grant_reaches_the_orgs_repos_within_the_users_role(alice, bob, charlie):
    acme = org_create(name="acme", creator=alice)
    membership_set(org=acme, user=bob, role="read")
    make_repo(alice, "model", organization="acme", private=True)
    token = _fine(bob, ("org", "acme", ["repo.content.read", "repo.write"]))

    assert _get(token, "/api/models/acme/model").status_code == 200
    assert _commit(token, "acme/model").status_code == 403  # bob only reads acme
    with pytest.raises(Exception, match="No org acme of yours"):
        _fine(charlie, ("org", "acme", ["repo.write"]))


def test_scopes_name_known_permissions_and_repos_the_user_can_see(alice, bob, repos):
    with pytest.raises(Exception, match="Unknown permission 'repo.admin'"):
        _fine(alice, ("model", "alice/target", ["repo.admin"]))
    with pytest.raises(Exception, match="No model alice/secret that you can see"):
        _fine(bob, ("model", "alice/secret", ["repo.content.read"]))


def test_an_expired_token_is_a_401_with_the_hubs_message(alice, repos):
    value = token_create(user=alice, name="short", role="write",
                         expires_at=timezone.now() + timedelta(days=1))[1]  # fmt: skip
    assert _get(value, "/api/whoami-v2").status_code == 200
    AccessToken.objects.filter(name="short").update(expires_at=timezone.now() - timedelta(1))

    answer = _get(value, "/api/whoami-v2")

    assert answer.status_code == 401
    assert answer["X-Error-Message"] == "Invalid credentials in Authorization header"


def test_an_orgs_maximum_lifetime_shuts_out_longer_lived_tokens(alice, bob):
    acme = org_create(name="acme", creator=alice)
    membership_set(org=acme, user=bob, role="write")
    make_repo(alice, "model", organization="acme", private=True)
    forever = token_create(user=bob, name="forever", role="write")[1]
    week = token_create(user=bob, name="week", role="write",
                        expires_at=timezone.now() + timedelta(days=7))[1]  # fmt: skip

    org_token_policy_set(org=acme, max_days=30)

    assert _get(forever, "/api/models/acme/model").status_code == 404
    assert _commit(forever, "acme/model").status_code == 404
    assert _get(week, "/api/models/acme/model").status_code == 200
    assert _commit(week, "acme/model").status_code == 200


def test_whoami_describes_a_fine_grained_token_as_the_hub_does(alice, repos):
    token = _fine(alice, ("model", "alice/target", ["repo.content.read", "repo.write"]),
                  ("user", "alice", ["discussion.write"]))  # fmt: skip

    described = _get(token, "/api/whoami-v2").json()["auth"]["accessToken"]

    assert described["role"] == "fineGrained"
    scoped = [(e["entity"]["type"], e["entity"]["name"], e["permissions"])
              for e in described["fineGrained"]["scoped"]]  # fmt: skip
    assert scoped == [("model", "alice/target", ["repo.content.read", "repo.write"]),
                      ("user", "alice", ["discussion.write"])]  # fmt: skip


def test_org_admins_list_and_revoke_the_tokens_that_reach_their_org(alice, bob, charlie):
    acme = org_create(name="acme", creator=alice)
    membership_set(org=acme, user=bob, role="write")
    bobs = token_create(user=bob, name="bob-laptop", role="write")[1]
    token_create(user=charlie, name="charlie-laptop", role="write")
    admin, member = Client(), Client()
    admin.force_login(alice)
    member.force_login(bob)

    listed = admin.get("/api/organizations/acme/tokens").json()
    assert {(t["user"], t["displayName"]) for t in listed} == {("bob", "bob-laptop")}
    assert member.get("/api/organizations/acme/tokens").status_code == 403
    assert _get(bobs, "/api/organizations/acme/tokens").status_code == 403  # tokens never manage

    revoked = admin.delete(f"/api/organizations/acme/tokens/{listed[0]['id']}")

    assert revoked.status_code == 204
    assert _get(bobs, "/api/whoami-v2").status_code == 401
    assert admin.get("/api/organizations/acme/tokens").json() == []


def test_the_tokens_page_creates_a_fine_grained_token_with_an_expiry(alice, repos):
    page = Client()
    page.force_login(alice)

    answer = page.post("/settings/tokens", {
        "name": "ci", "role": "fineGrained", "expires_in_days": "30", "scope_type": "model",
        "scope_name": "alice/target", "permissions": ["repo.content.read", "repo.write"],
    })  # fmt: skip

    assert answer.status_code == 200
    token = AccessToken.objects.get(name="ci")
    assert token.role == "fineGrained" and token.lifetime_days == 30
    assert "repo.write on alice/target" in answer.content.decode()
