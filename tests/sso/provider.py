"""The test OpenID Connect provider (tests/oidcprovider) in a process of its own, on a free
port, with an RSA key generated here: the tests sign tokens with it (or with another key)."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx2 as httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.live import ROOT, free_port, wait_until

CLIENT_ID = "minihub"
CLIENT_SECRET = "minihub-secret-for-tests"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Provider:
    def __init__(self, data_dir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.url}/o"
        self.key = rsa_key()
        pem = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        (data_dir / "key.pem").write_bytes(pem)
        self.env = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "tests.oidcprovider.settings",
            "OIDCP_DATABASE": str(data_dir / "provider.sqlite3"),
            "OIDCP_RSA_KEY_FILE": str(data_dir / "key.pem"), "OIDCP_ISSUER": self.issuer,
        }  # fmt: skip
        self.output: list[str] = []
        self.process: subprocess.Popen | None = None
        self.kid: str | None = None

    def start(self) -> "Provider":
        """Migrates and serves in the background: the test database is made meanwhile."""
        serve = (f"{sys.executable} -m django migrate --noinput -v 0 && exec {sys.executable} "
                 f"-m gunicorn tests.oidcprovider.wsgi:application -b 127.0.0.1:{self.port} "
                 "--threads 4 --log-level warning")  # fmt: skip
        self.process = subprocess.Popen(
            ["sh", "-c", serve], cwd=ROOT, env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def ready(self) -> "Provider":
        if self.kid is None:
            wait_until(self._up, timeout=180, message=f"{self.issuer}/.well-known/...")
            self.kid = httpx.get(f"{self.issuer}/.well-known/jwks.json").json()["keys"][0]["kid"]
        return self

    def _drain(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)

    def _up(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError("the provider exited:\n" + "".join(self.output))
        try:
            return httpx.get(f"{self.issuer}/.well-known/openid-configuration").status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)

    def user(self, **fields) -> int:
        """Creates or changes a user at the provider (see tests/oidcprovider/urls.py)."""
        answer = httpx.post(f"{self.url}/admin/user", json=fields, timeout=30)
        answer.raise_for_status()
        return answer.json()["id"]

    def register(self, *redirect_uris: str) -> None:
        body = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "redirect_uris": list(redirect_uris)}  # fmt: skip
        httpx.post(f"{self.url}/admin/application", json=body, timeout=30).raise_for_status()

    def hub_settings(self, **overrides: str) -> dict[str, str]:
        """The HUB_OIDC_* settings that connect a hub to this provider."""
        return {
            "HUB_OIDC_ISSUER": self.issuer,
            "HUB_OIDC_AUTHORIZATION_ENDPOINT": f"{self.issuer}/authorize/",
            "HUB_OIDC_TOKEN_ENDPOINT": f"{self.issuer}/token/",
            "HUB_OIDC_USERINFO_ENDPOINT": f"{self.issuer}/userinfo/",
            "HUB_OIDC_JWKS_URI": f"{self.issuer}/.well-known/jwks.json",
            "HUB_OIDC_CLIENT_ID": CLIENT_ID,
            "HUB_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "HUB_OIDC_PROVIDER_NAME": "Test IdP",
            "HUB_OIDC_GROUP_MAP": "ml-team=acme:write,ml-admins=acme:admin",
            **overrides,
        }

    def sign(self, claims: dict, *, key: rsa.RSAPrivateKey | None = None) -> str:
        """A JWT with the provider's key id, signed by its key (or by `key`, a forgery)."""
        now = int(time.time())
        body = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **claims}
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": self.kid})

    def sign_in(self, authorize_url: str, *, username: str, password: str) -> str:
        """Signs in at the provider as a browser would, from the hub's authorization
        request; returns the callback URL the provider sends the browser back to."""
        with httpx.Client(follow_redirects=False, timeout=30) as browser:
            answer = browser.get(authorize_url)
            login = answer.headers["location"]
            form = browser.get(f"{self.url}{login}")
            csrf = browser.cookies["csrftoken"]
            after = parse_qs(urlsplit(login).query)["next"][0]
            answer = browser.post(
                f"{self.url}{login}",
                data={"username": username, "password": password,
                      "csrfmiddlewaretoken": csrf, "next": after},
            )  # fmt: skip
            assert answer.status_code == 302, form.text[:300]
            answer = browser.get(f"{self.url}{answer.headers['location']}")
            return answer.headers["location"]
