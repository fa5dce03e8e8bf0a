"""Signatures on a live hub: an organization requiring them refuses an unsigned API commit
and an unsigned git push before main moves, takes a signed one, and the repo and commit
pages show who signed (real Chromium)."""

import subprocess

import pytest
from huggingface_hub import CommitOperationAdd
from huggingface_hub.errors import HfHubHTTPError

from tests.live import wait_until
from tests.provenance.conftest import api
from tests.provenance.signing import sign

FILES = {"config.json": b'{"model_type": "bert"}', "weights.bin": b"\x07" * 70_000}


@pytest.fixture(scope="module")
def signed_org(dest):
    """acme (alice administers it) requires a valid signature on main; acme/model exists."""
    dest.manage("createorg", "acme", "--member", "alice:admin")
    dest.manage("signingpolicy", "acme", "--require-signed-main")
    api(dest).create_repo("acme/model")
    return "acme/model"


def operations(files: dict[str, bytes]) -> list[CommitOperationAdd]:
    return [CommitOperationAdd(path, data) for path, data in files.items()]


def test_an_unsigned_api_commit_to_main_is_refused_by_the_orgs_policy(dest, signed_org):
    with pytest.raises(HfHubHTTPError) as refused:
        api(dest).create_commit(signed_org, operations=operations(FILES), commit_message="x")

    assert refused.value.response.status_code == 403
    assert refused.value.response.headers["X-Error-Code"] == "PolicyRefused"
    assert "acme requires a valid model signature (model.sig) on main" in str(refused.value)
    assert [f for f in api(dest).list_repo_files(signed_org)] == [".gitattributes"]


def test_an_unsigned_git_push_to_main_is_refused_by_the_orgs_policy(dest, signed_org, tmp_path):
    url = f"http://alice:{dest.tokens['alice']}@{dest.url.split('://')[1]}/{signed_org}"
    work = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", url, str(work)], check=True)
    (work / "config.json").write_bytes(FILES["config.json"])
    git = ["git", "-C", str(work), "-c", "user.name=a", "-c", "user.email=a@x"]
    subprocess.run([*git, "add", "config.json"], check=True)
    subprocess.run([*git, "commit", "-qm", "Unsigned"], check=True)

    pushed = subprocess.run([*git, "push", "origin", "main"], capture_output=True, text=True)

    assert pushed.returncode != 0
    assert "acme requires a valid model signature" in pushed.stderr
    assert api(dest).list_repo_files(signed_org) == [".gitattributes"]


def test_a_signed_commit_lands_and_the_pages_show_who_signed(dest, signed_org, live_key, page):
    files = {**FILES, "model.sig": sign(FILES, key=live_key)}
    sha = api(dest).create_commit(signed_org, operations=operations(files),
                                  commit_message="Signed release").oid  # fmt: skip

    def verdict() -> dict | None:
        info = api(dest).model_info(signed_org)
        signature = (getattr(info, "provenance", None) or {}).get("signature") or {}
        return signature if signature.get("status") not in (None, "pending") else None

    assert wait_until(verdict, timeout=60, message="the signature verdict")["status"] == "verified"
    for url in (f"{dest.url}/{signed_org}", f"{dest.url}/{signed_org}/commit/{sha}"):
        page.goto(url)
        shown = page.locator("[data-signature]")
        assert shown.get_attribute("data-signature") == "verified"
        assert "Signed by key team (sha256:" in shown.inner_text()
