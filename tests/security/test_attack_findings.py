"""The attack of issue 14, replayed: each recipe that worked is a test that it works no more.

1. A bearer token (read or write) never manages credentials or memberships: the token,
   token-revoke, new-org and org-members pages need a signed-in browser session with CSRF.
2. A pointer to an LFS or Xet object the repo does not own never reads that object: charlie
   commits a pointer to alice's private object in his public repo, by the web editor, by an
   NDJSON `file` line over 1 MiB and by a plain `file` line; the commit is refused or, if it
   lands, every reader answers as for a missing file.
"""

import base64
import hashlib
import json

import pytest
from django.test import Client

from registry.gitstore import pointer_bytes
from registry.models import AccessToken, Membership, Organization
from tests.conftest import make_token
from tests.security.conftest import bearer, body_of, commit_files, commit_lfs, header_line, ndjson
from tests.web.conftest import make_repo
from tests.xet.builders import make_chunks, make_file, make_shard, make_xorb
from tests.xet.conftest import cas_token, post_shard, post_xorb, xet_storage  # noqa: F401

ACME_SECRET = "acme-plans-6d01b3f2"
SMALL_LINE = 1024 * 1024  # registry/api/ndjson.py: a longer line is read from disk

# -- 1. tokens never manage accounts -----------------------------------------------------------


@pytest.fixture
def acme_secret_repo(acme, alice):
    repo = make_repo(alice, "plans", organization="acme", private=True)
    commit_files(repo, alice, {"README.md": f"# Plans\n\n{ACME_SECRET}\n".encode()})
    return repo


def as_bearer(token: str) -> Client:
    return Client(headers=bearer(token))


@pytest.mark.parametrize("role", ["read", "write"])
def test_a_token_cannot_create_a_token(alice, role):
    client = as_bearer(make_token(alice, role=role))
    before = AccessToken.objects.filter(user=alice).count()

    response = client.post("/settings/tokens", {"name": "stolen", "role": "write"})

    assert response.status_code == 403
    assert b"hf_" not in response.content
    assert AccessToken.objects.filter(user=alice).count() == before


@pytest.mark.parametrize("role", ["read", "write"])
def test_a_token_cannot_revoke_a_token(alice, role):
    client = as_bearer(make_token(alice, role=role, name="attacker"))
    laptop = make_token(alice, name="laptop")
    target = AccessToken.objects.get(user=alice, name="laptop")

    response = client.post(f"/settings/tokens/{target.public_id}/revoke")

    assert response.status_code == 403
    target.refresh_from_db()
    assert target.revoked_at is None
    assert Client(headers=bearer(laptop)).get("/api/whoami-v2").status_code == 200


@pytest.mark.parametrize("role", ["read", "write"])
def test_a_token_cannot_create_an_organization(alice, role):
    client = as_bearer(make_token(alice, role=role))

    response = client.post("/organizations/new", {"name": "evilcorp", "fullname": "Evil"})

    assert response.status_code == 403
    assert not Organization.objects.filter(namespace__name="evilcorp").exists()


@pytest.mark.parametrize("role", ["read", "write"])
def test_a_token_cannot_make_charlie_an_admin_of_acme(alice, charlie, acme_secret_repo, role):
    client = as_bearer(make_token(alice, role=role))

    response = client.post("/organizations/acme/members", {"username": "charlie", "role": "admin"})

    assert response.status_code == 403
    assert not Membership.objects.filter(user=charlie).exists()
    charlies = as_bearer(make_token(charlie))
    for url in ("/api/models/acme/plans", "/acme/plans/resolve/main/README.md", "/acme/plans"):
        answer = charlies.get(url)
        assert answer.status_code == 404
        assert ACME_SECRET.encode() not in body_of(answer)


def _csrf_session(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_a_signed_in_session_without_csrf_cannot_create_a_token(alice):
    before = AccessToken.objects.filter(user=alice).count()

    response = _csrf_session(alice).post("/settings/tokens", {"name": "x", "role": "write"})

    assert response.status_code == 403
    assert AccessToken.objects.filter(user=alice).count() == before


def test_a_signed_in_session_with_csrf_creates_a_token_and_adds_a_member(alice, bob, acme):
    client = _csrf_session(alice)
    client.get("/settings/tokens")
    csrf = client.cookies["csrftoken"].value

    created = client.post(
        "/settings/tokens", {"name": "ci", "role": "read", "csrfmiddlewaretoken": csrf}
    )
    added = client.post(
        "/organizations/acme/members",
        {"username": "bob", "role": "admin", "csrfmiddlewaretoken": csrf},
    )

    assert created.status_code == 200
    assert AccessToken.objects.filter(user=alice, name="ci").exists()
    assert added.status_code == 302
    assert Membership.objects.get(org=acme, user=bob).role == "admin"


# -- 2. a pointer to someone else's object reads nothing ---------------------------------------

ALICE_BYTES = b"alice-private-weights-0f9e27c5," * 300


def pointer_to(data: bytes) -> bytes:
    return pointer_bytes(hashlib.sha256(data).hexdigest(), len(data))


@pytest.fixture
def alice_lfs_object(alice) -> bytes:
    """alice's private model holds ALICE_BYTES as an LFS file; returns those bytes."""
    vault = make_repo(alice, "weights", private=True)
    commit_lfs(vault, alice, "model.safetensors", ALICE_BYTES)
    return ALICE_BYTES


@pytest.fixture
def mirror(charlie):
    """charlie's public model, where he commits the pointers."""
    return make_repo(charlie, "mirror")


def commit_by_editor(charlie, pointer: bytes):
    client = Client()
    client.force_login(charlie)
    return client.post(
        "/charlie/mirror/edit/main",
        {"path": "stolen.bin", "content": pointer.decode(), "summary": "Add", "description": ""},
    )


def file_line_json(path: str, content: bytes, *, padding: int = 0) -> bytes:
    """A `file` line; `padding` spaces of JSON whitespace sit outside the content string."""
    value = {"path": path, "content": base64.b64encode(content).decode(), "encoding": "base64"}
    return b'{"key": "file",' + b" " * padding + b' "value": ' + json.dumps(value).encode()


def commit_by_ndjson(charlie, pointer: bytes, *, padding: int = 0):
    line = file_line_json("stolen.bin", pointer, padding=padding)
    body = ndjson(header_line("Add")) + line + b"}\n"
    return Client().post(
        "/api/models/charlie/mirror/commit/main",
        body,
        content_type="application/x-ndjson",
        headers=bearer(make_token(charlie)),
    )


def assert_nobody_reads(stolen: bytes) -> None:
    """Whatever landed, anonymous gets a missing file, never alice's bytes."""
    anonymous = Client()
    marker = stolen[:64]
    for url in (
        "/charlie/mirror/raw/main/stolen.bin",
        "/charlie/mirror/resolve/main/stolen.bin",
    ):
        response = anonymous.get(url)
        assert response.status_code == 404, (url, response.status_code)
        assert marker not in body_of(response)
    for url in ("/charlie/mirror/blob/main/stolen.bin", "/charlie/mirror/tree/main"):
        assert marker not in body_of(anonymous.get(url))
    inference = anonymous.post(
        "/models/charlie/mirror", {"inputs": "hello"}, content_type="application/json"
    )
    assert marker not in body_of(inference)


ATTACKS = {
    "web editor": lambda charlie, pointer: commit_by_editor(charlie, pointer),
    "ndjson line over 1 MiB": lambda charlie, pointer: commit_by_ndjson(
        charlie, pointer, padding=SMALL_LINE + 1024
    ),
    "plain ndjson line": lambda charlie, pointer: commit_by_ndjson(charlie, pointer),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_charlie_cannot_read_alices_lfs_object_through_a_pointer(
    charlie, alice_lfs_object, mirror, attack
):
    response = ATTACKS[attack](charlie, pointer_to(alice_lfs_object))

    assert response.status_code in {200, 302, 400}
    assert_nobody_reads(alice_lfs_object)


def test_the_padded_line_really_is_read_as_a_large_line(charlie, mirror):
    """The padding trick reaches the large-line reader: a regular file committed that way
    lands with its bytes, so the attack above tests that reader and not a refusal."""
    response = commit_by_ndjson(charlie, b"plain text\n", padding=SMALL_LINE + 1024)

    assert response.status_code == 200, response.content[:300]
    raw = Client().get("/charlie/mirror/raw/main/stolen.bin")
    assert body_of(raw).endswith(b"\n\nplain text\n")


@pytest.fixture
def alice_xet_object(client, alice, xet_storage) -> bytes:  # noqa: F811
    """alice's private model holds a file that only the Xet store has; returns its bytes."""
    vault = make_repo(alice, "xet-weights", private=True)
    token = cas_token(client, alice, vault)
    xorb = make_xorb(make_chunks(3, seed=14))
    built = make_file([(xorb, 0, 3)])
    assert post_xorb(client, token, xorb).status_code == 200
    assert post_shard(client, token, make_shard([built], [xorb])).status_code == 200
    lfs_line = {
        "key": "lfsFile",
        "value": {"path": "model.bin", "algo": "sha256", "oid": built.sha256,
                  "size": len(built.content)},
    }  # fmt: skip
    response = client.post(
        "/api/models/alice/xet-weights/commit/main",
        ndjson(header_line("Add weights"), lfs_line),
        content_type="application/x-ndjson",
        headers=bearer(make_token(alice)),
    )
    assert response.status_code == 200, response.content[:300]
    return built.content


@pytest.mark.parametrize("attack", ATTACKS)
def test_charlie_cannot_read_alices_xet_only_object_through_a_pointer(
    charlie, alice_xet_object, mirror, attack
):
    response = ATTACKS[attack](charlie, pointer_to(alice_xet_object))

    assert response.status_code in {200, 302, 400}
    assert_nobody_reads(alice_xet_object)
