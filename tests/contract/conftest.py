"""One live hub per test session, with the personas every contract test speaks as.

alice owns repos, bob writes to the `acme` org alice administers, charlie is an outsider,
and anonymous sends no token. Each persona has a write token and a read token.
"""

import json
import os
from dataclasses import dataclass

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
    live.stop()


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
def repo_name(request) -> str:
    """A repo name unique to the test, so tests sharing the session hub never collide."""
    import re
    import uuid

    base = re.sub(r"[^A-Za-z0-9]+", "-", request.node.name)[:60].strip("-")
    return f"{base}-{uuid.uuid4().hex[:6]}"
