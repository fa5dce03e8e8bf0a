"""The production shape on this machine: an S3-compatible store (moto's server mode, started
here), and hubs whose blobs live in it. PostgreSQL and Redis come from the run (make test's
second pass) or, for the scale-out test, are set up by the test itself."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import httpx2 as httpx
import pytest
from botocore.config import Config

from tests.live import LiveHub, free_port, wait_until

BIN = Path(sys.executable).parent
S3_KEYS = {"HUB_S3_ACCESS_KEY_ID": "minihub-test", "HUB_S3_SECRET_ACCESS_KEY": "minihub-secret"}
MiB = 1024 * 1024


class S3Server:
    """moto's S3 server on a free loopback port.

    `bucket_cors`: answer browsers by each bucket's CORS rules, as S3 does, instead of
    moto's default of allowing every origin.
    """

    def __init__(self, *, bucket_cors: bool = False):
        self.url = f"http://127.0.0.1:{free_port()}"
        port = self.url.rsplit(":", 1)[1]
        env = {**os.environ, "MOTO_DISABLE_GLOBAL_CORS": "1"} if bucket_cors else None
        self.process = subprocess.Popen(
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", port], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        wait_until(self._answers, timeout=60, message="moto_server")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {self.process.returncode}")
        try:
            httpx.get(self.url, timeout=2)
        except httpx.HTTPError:
            return False
        return True

    def client(self):
        return boto3.client(
            "s3", endpoint_url=self.url, region_name="us-east-1",
            aws_access_key_id=S3_KEYS["HUB_S3_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_KEYS["HUB_S3_SECRET_ACCESS_KEY"],
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )  # fmt: skip

    def bucket_env(self) -> dict[str, str]:
        """A new, empty bucket, as the HUB_S3_* settings of a hub that uses it."""
        bucket = f"minihub-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=bucket)
        return {"HUB_S3_BUCKET": bucket, "HUB_S3_ENDPOINT_URL": self.url, **S3_KEYS}

    def keys(self, bucket: str, prefix: str = "") -> dict[str, int]:
        pages = (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        )
        return {item["Key"]: item["Size"] for page in pages for item in page.get("Contents", ())}

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture(scope="session")
def s3():
    server = S3Server()
    yield server
    server.stop()


@pytest.fixture(scope="session", autouse=True)
def _client_environment(tmp_path_factory):
    """The client's cache and token file stay in a temporary home; LFS uploads skip Xet."""
    saved = {k: os.environ.get(k) for k in ("HF_HOME", "HF_HUB_DISABLE_TELEMETRY")}
    os.environ["HF_HOME"] = str(tmp_path_factory.mktemp("hf-home"))
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    with pytest.MonkeyPatch.context() as patch:
        from huggingface_hub import constants

        patch.setattr(constants, "HF_HUB_DISABLE_XET", True)
        yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def start_hub(data_dir: Path, **env: str) -> LiveHub:
    """A started LiveHub with users alice and charlie; `hub.tokens[name]` is a write token."""
    return LiveHub(data_dir, **env).start().add_accounts()
