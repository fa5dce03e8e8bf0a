"""Alice uploads large files from the web page to a hub that keeps LFS objects in a bucket:
the browser sends the bytes straight to the bucket (another origin, allowed by the bucket's
CORS rule and the page's Content-Security-Policy), the hub verifies them, and the commit
serves them back byte for byte."""

import hashlib
import os
import re
import uuid
from pathlib import Path

import pytest
from huggingface_hub import HfApi, hf_hub_download
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import screenshot, sign_in
from tests.production.conftest import MiB, S3Server, start_hub

pytestmark = pytest.mark.live

# Over the multipart threshold: three parts of at most 5 MiB, each PUT to its own URL.
BIG = 13 * MiB
SMALL = 1 * MiB  # binary, so LFS, in one presigned PUT


@pytest.fixture(scope="module")
def s3():
    server = S3Server(bucket_cors=True)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def hub(s3, tmp_path_factory):
    live = start_hub(
        tmp_path_factory.mktemp("s3-upload"),
        **s3.bucket_env(),
        HUB_LFS_MULTIPART_THRESHOLD=str(6 * MiB),
        HUB_LFS_MULTIPART_CHUNK_SIZE=str(5 * MiB),
    )
    yield live
    live.close()


def bucket_cors(s3: S3Server, hub, *, allowed: bool) -> None:
    """The bucket's CORS rule as docs/operations.md gives it, or none at all."""
    client, bucket = s3.client(), hub.env["HUB_S3_BUCKET"]
    if not allowed:
        client.delete_bucket_cors(Bucket=bucket)
        return
    rule = {"AllowedOrigins": [hub.url], "AllowedMethods": ["PUT"], "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3600}  # fmt: skip
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})


def new_repo(hub) -> str:
    api = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    return api.create_repo(f"s3-upload-{uuid.uuid4().hex[:8]}").repo_id


def choose_files(page: Page, hub, repo: str, files: dict) -> None:
    page.goto(f"{hub.url}/{repo}/upload/main")
    page.get_by_label("Files").set_input_files(list(files.values()))
    expect(page.locator("#upload-list li")).to_have_count(len(files))


def test_alice_uploads_large_files_from_the_page_straight_to_the_bucket(hub, s3, page, tmp_path):
    bucket_cors(s3, hub, allowed=True)
    repo = new_repo(hub)
    contents = {"weights.bin": os.urandom(BIG), "tokenizer.bin": os.urandom(SMALL)}
    files = {name: tmp_path / name for name in contents}
    for name, data in contents.items():
        files[name].write_bytes(data)
    sign_in(page, hub, "alice")

    choose_files(page, hub, repo, files)
    page.get_by_label("Commit message").fill("Weights from the browser")
    page.get_by_role("button", name="Commit files").click()
    try:
        page.wait_for_url(re.compile(rf".*/{repo}/commit/[0-9a-f]{{40}}$"), timeout=120_000)
    except PlaywrightTimeout:
        pytest.fail(f"no commit: {page.locator('#upload-list').inner_text()}")

    expect(page.locator(".commit-head h2")).to_have_text("Weights from the browser")
    screenshot(page, "s3-upload-commit")
    stored = s3.keys(hub.env["HUB_S3_BUCKET"])
    for name, data in contents.items():
        oid = hashlib.sha256(data).hexdigest()
        assert stored.get(f"lfs/{oid[:2]}/{oid[2:4]}/{oid}") == len(data)
        path = hf_hub_download(repo, name, endpoint=hub.url, token=hub.tokens["alice"],
                               cache_dir=tmp_path / "cache")  # fmt: skip
        assert Path(path).read_bytes() == data
    assert not [key for key in stored if key.startswith("staging/")]


def test_a_bucket_without_a_cors_rule_fails_the_upload_with_a_message(hub, s3, page, tmp_path):
    bucket_cors(s3, hub, allowed=False)
    repo = new_repo(hub)
    (tmp_path / "weights.bin").write_bytes(os.urandom(SMALL))
    sign_in(page, hub, "alice")

    choose_files(page, hub, repo, {"weights.bin": tmp_path / "weights.bin"})
    page.get_by_role("button", name="Commit files").click()

    expect(page.locator("#upload-status")).to_contain_text("Upload failed")
    expect(page.locator("#upload-list .state.error")).to_contain_text("CORS")
    files = HfApi(endpoint=hub.url, token=hub.tokens["alice"]).list_repo_files(repo)
    assert files == [".gitattributes"]
