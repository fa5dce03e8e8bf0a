"""One live hub per test session, with the personas every contract test speaks as.

alice owns repos, bob writes to the `acme` org alice administers, charlie is an outsider,
and anonymous sends no token. Each persona has a write token and a read token.
"""

import base64
import hashlib
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

import httpx2 as httpx
import pytest
from huggingface_hub import HfApi, constants

from tests.live import LiveHub

# Small multipart thresholds so the multipart path runs on files of a few MiB.
MULTIPART_THRESHOLD = 6 * 1024 * 1024
MULTIPART_CHUNK = 2 * 1024 * 1024

_PERSONAS = """
import json
from registry.services.accounts import membership_set, org_create, user_create
from registry.services.tokens import token_create
out = {}
for name in ("alice", "bob", "charlie"):
    user = user_create(name=name, password="pw-" + name + "-12345", fullname=name.title())
    out[name] = {"write": token_create(user=user, name="write", role="write")[1],
                 "read": token_create(user=user, name="read", role="read")[1]}
    if name == "alice":
        acme = org_create(name="acme", fullname="Acme", creator=user)
    if name == "bob":
        membership_set(org=acme, user=user, role="write")
print(json.dumps(out))
"""


@dataclass(frozen=True)
class Persona:
    name: str
    token: str | bool  # False: send no token at all
    read_token: str | bool

    def api(self, hub: LiveHub, *, read_only: bool = False) -> HfApi:
        return HfApi(endpoint=hub.url, token=self.read_token if read_only else self.token)


@pytest.fixture(scope="session", autouse=True)
def _client_environment(tmp_path_factory):
    """Keep the client's cache, token file and telemetry away from the user's home."""
    home = tmp_path_factory.mktemp("hf-home")
    previous = {k: os.environ.get(k) for k in ("HF_HOME", "HF_HUB_DISABLE_TELEMETRY")}
    os.environ["HF_HOME"] = str(home)
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    yield
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def hub(tmp_path_factory):
    live = LiveHub(
        tmp_path_factory.mktemp("hub"),
        HUB_LFS_MULTIPART_THRESHOLD=str(MULTIPART_THRESHOLD),
        HUB_LFS_MULTIPART_CHUNK_SIZE=str(MULTIPART_CHUNK),
    ).start()
    tokens = json.loads(live.manage("shell", "-c", _PERSONAS).stdout.strip().splitlines()[-1])
    live.tokens = tokens
    yield live
    live.close()


def _persona(hub: LiveHub, name: str) -> Persona:
    return Persona(name, hub.tokens[name]["write"], hub.tokens[name]["read"])


@pytest.fixture(scope="session")
def alice(hub) -> Persona:
    return _persona(hub, "alice")


@pytest.fixture(scope="session")
def bob(hub) -> Persona:
    return _persona(hub, "bob")


@pytest.fixture(scope="session")
def charlie(hub) -> Persona:
    return _persona(hub, "charlie")


@pytest.fixture(scope="session")
def anonymous() -> Persona:
    return Persona("anonymous", False, False)


@pytest.fixture
def no_xet(monkeypatch):
    """HF_HUB_DISABLE_XET=1, as the client reads it (once, at import, into constants)."""
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)


@pytest.fixture
def with_xet(monkeypatch):
    """The stock client: hf_xet installed and enabled, whatever the environment says."""
    from huggingface_hub.utils._runtime import is_xet_available

    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", False)
    assert is_xet_available(), "these tests need hf_xet installed, as pip installs it"


@pytest.fixture
def repo_name(request) -> str:
    """A repo name unique to the test, so tests sharing the session hub never collide."""
    import re
    import uuid

    base = re.sub(r"[^A-Za-z0-9]+", "-", request.node.name)[:60].strip("-")
    return f"{base}-{uuid.uuid4().hex[:6]}"


# -- plain helpers the contract tests share --------------------------------------------------

WEB_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}
API_PLURAL = {"model": "models", "dataset": "datasets", "space": "spaces"}
LFS_JSON = "application/vnd.git-lfs+json"


def make_repo(hub: LiveHub, owner: Persona, name: str, **overrides) -> str:
    """Creates a repo through the real client; returns its id (`namespace/name`)."""
    namespace = overrides.pop("namespace", owner.name)
    url = owner.api(hub).create_repo(f"{namespace}/{name}", **overrides)
    return url.repo_id


@contextmanager
def xet_disabled():
    """HF_HUB_DISABLE_XET for a block, for fixtures wider than one test (see `no_xet`)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(constants, "HF_HUB_DISABLE_XET", True)
        yield


def wire(hub: LiveHub, persona: Persona, *, read_only: bool = False) -> httpx.Client:
    """A raw HTTP client speaking as `persona`, for checks the real client hides."""
    token = persona.read_token if read_only else persona.token
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=hub.url, headers=headers, timeout=30)


def git_blob_sha1(data: bytes) -> str:
    """The id git gives a blob: what the hub sends as ETag and tree `oid` for regular files."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ndjson(*lines: dict) -> bytes:
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


def commit_header(summary: str = "raw commit", **extra) -> dict:
    return {"key": "header", "value": {"summary": summary, "description": "", **extra}}


def file_line(path: str, content: bytes) -> dict:
    encoded = base64.b64encode(content).decode()
    return {"key": "file", "value": {"path": path, "content": encoded, "encoding": "base64"}}


def post_commit(client: httpx.Client, repo_id: str, body: bytes, *, rev: str = "main",
                repo_type: str = "model") -> httpx.Response:  # fmt: skip
    return client.post(
        f"/api/{API_PLURAL[repo_type]}/{repo_id}/commit/{quote(rev, safe='')}",
        content=body,
        headers={"Content-Type": "application/x-ndjson"},
    )


def lfs_batch(client: httpx.Client, repo_id: str, objects: list[tuple[str, int]],
              *, repo_type: str = "model") -> httpx.Response:  # fmt: skip
    """POST the Git LFS batch API for an upload of `(oid, size)` objects, as the client does."""
    return client.post(
        f"/{WEB_PREFIX[repo_type]}{repo_id}.git/info/lfs/objects/batch",
        json={
            "operation": "upload",
            "transfers": ["basic", "multipart"],
            "objects": [{"oid": oid, "size": size} for oid, size in objects],
            "hash_algo": "sha256",
            "ref": {"name": "main"},
        },
        headers={"Accept": LFS_JSON, "Content-Type": LFS_JSON},
    )


def head_sha(hub: LiveHub, persona: Persona, repo_id: str, *, repo_type: str = "model") -> str:
    return persona.api(hub).repo_info(repo_id, repo_type=repo_type).sha
