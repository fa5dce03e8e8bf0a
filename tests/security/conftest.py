"""Alice's vault: a private model, dataset and space with everything a repo can hold, so the
security tests can tell whether any of it reaches someone who may not see it.

The repos are built through the same helpers the page tests use (tests/web/conftest.py) and,
for refs and discussions, through the HTTP API with alice's write token: the wire contract
stays put while the services behind it change.
"""

import base64
import json
from dataclasses import dataclass, field

import pytest
from django.test import Client

from registry.gitstore import GitRepo
from registry.models import Repo, User
from tests.conftest import make_token
from tests.web.conftest import _storage, commit_files, commit_lfs, make_repo  # noqa: F401

# What must never leave the vault: the card's marker, a regular file's bytes, an LFS object's
# bytes (each unique enough that no page prints them by chance), and every commit id.
SECRET = "vault-marker-3c7e91d4a0"
CARD = f"---\nlicense: mit\n---\n# Vault\n\n{SECRET}\n".encode()
REGULAR = b'{"vault-regular-file": "5b2f0e8c71"}\n'
LFS_BYTES = b"\x89vault-lfs-object-a94c2e61\x00" * 64
API_PLURAL = {"model": "models", "dataset": "datasets", "space": "spaces"}
REPO_NAME = "vault"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def file_line(path: str, content: bytes) -> dict:
    encoded = base64.b64encode(content).decode()
    return {"key": "file", "value": {"path": path, "content": encoded, "encoding": "base64"}}


def ndjson(*lines: dict) -> bytes:
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


def header_line(summary: str) -> dict:
    return {"key": "header", "value": {"summary": summary, "description": ""}}


def body_of(response) -> bytes:
    """The whole answer as the caller sees it: headers and body, streamed or not."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    headers = "\n".join(f"{k}: {v}" for k, v in response.items()).encode()
    return headers + b"\n\n" + content


@dataclass
class Vault:
    """Alice's private repos of every type, and what each one holds."""

    owner: User
    write_token: str
    read_token: str
    repos: dict[str, Repo] = field(default_factory=dict)  # repo type -> repo

    def shas(self) -> set[str]:
        """Every commit id of every vault repo: branch, tag and PR heads and their history."""
        found = set()
        for repo in self.repos.values():
            git = GitRepo(repo.storage_id)
            for head in git.refs("refs/").values():
                found |= {str(commit.id) for commit in git.walk_commits(head)}
        return found

    def secrets(self) -> list[bytes]:
        return [
            SECRET.encode(),
            REGULAR.strip(),
            LFS_BYTES[:40],
            *(s.encode() for s in self.shas()),
        ]


def _api(client: Client, token: str, method: str, url: str, payload: dict) -> None:
    response = client.generic(
        method, url, json.dumps(payload), content_type="application/json", headers=bearer(token)
    )
    assert response.status_code < 300, (url, response.status_code, response.content[:300])


def fill_repo(client: Client, owner: User, token: str, repo: Repo) -> None:
    """README with the marker, a regular file, an LFS file, branch `dev`, tag `v1`,
    discussion #1 and pull request #2 (with a commit of its own)."""
    commit_files(repo, owner, {"README.md": CARD, "config.json": REGULAR})
    commit_lfs(repo, owner, "weights.bin", LFS_BYTES)
    api = f"/api/{API_PLURAL[repo.type]}/{repo.repo_id}"
    _api(client, token, "POST", f"{api}/branch/dev", {})
    _api(client, token, "POST", f"{api}/tag/main", {"tag": "v1"})
    _api(client, token, "POST", f"{api}/discussions", {"title": f"About {SECRET}",
                                                       "description": SECRET})  # fmt: skip
    pr = ndjson(header_line(f"Proposal {SECRET}"), file_line("notes.md", CARD))
    response = client.post(
        f"{api}/commit/main?create_pr=1",
        pr,
        content_type="application/x-ndjson",
        headers=bearer(token),
    )
    assert response.status_code < 300, response.content[:300]


@pytest.fixture
def vault(alice, client) -> Vault:
    found = Vault(alice, make_token(alice, name="vault-write"),
                  make_token(alice, role="read", name="vault-read"))  # fmt: skip
    for repo_type in ("model", "dataset", "space"):
        repo = make_repo(alice, REPO_NAME, repo_type=repo_type, private=True)
        fill_repo(client, alice, found.write_token, repo)
        found.repos[repo_type] = repo
    return found
