"""`manage.py import` between two live Minihubs: the full git history and every LFS object
arrive checked; a source that sends other bytes, drops the connection mid-file or lies in
its metadata leaves nothing behind; `--sync` brings new commits on the worker's schedule."""

import hashlib
import subprocess
from pathlib import Path

import pytest
from huggingface_hub import CommitOperationAdd, constants, hf_hub_download
from huggingface_hub.errors import RepositoryNotFoundError

from tests.browser.conftest import sign_in
from tests.live import LiveHub, wait_until
from tests.provenance.conftest import api
from tests.provenance.faulty import FaultyProxy

RECORDED_COMMIT = (
    "from provenance.models import RepoSource; "
    "print(RepoSource.objects.get(source_repo='{}').commit)"
)
WEIGHTS = bytes(range(256)) * 2048  # 512 KiB, an LFS file (.bin)


def make_model(hub: LiveHub, name: str, weights: bytes = WEIGHTS) -> str:
    """alice/<name> with two commits (an LFS file, then a config) and a tag on the first."""
    client = api(hub)
    client.create_repo(f"alice/{name}")
    first = client.upload_file(path_or_fileobj=weights, path_in_repo="pytorch_model.bin",
                               repo_id=f"alice/{name}").oid  # fmt: skip
    client.create_tag(f"alice/{name}", tag="v1", revision=first)
    client.create_commit(f"alice/{name}", commit_message="Add config",
                         operations=[CommitOperationAdd("config.json", b'{"a": 1}')])  # fmt: skip
    return first


def run_import(dest: LiveHub, spec: str, *extra: str) -> subprocess.CompletedProcess:
    return dest.manage("import", spec, "--user", "alice", *extra, check=False)


def commits(hub: LiveHub, repo_id: str, revision: str = "main") -> list[str]:
    return [c.commit_id for c in api(hub).list_repo_commits(repo_id, revision=revision)]


def test_an_import_brings_the_history_tags_and_checked_lfs_bytes_and_records_the_source(
    source, dest, tmp_path
):
    make_model(source, "tiny")

    done = run_import(dest, f"{source.url}/alice/tiny", "--to", "alice/tiny-copy")

    assert done.returncode == 0, done.stderr
    assert commits(dest, "alice/tiny-copy") == commits(source, "alice/tiny")
    assert commits(dest, "alice/tiny-copy", "v1") == commits(source, "alice/tiny", "v1")
    path = hf_hub_download("alice/tiny-copy", "pytorch_model.bin", endpoint=dest.url,
                           token=dest.tokens["alice"], cache_dir=tmp_path)  # fmt: skip
    assert Path(path).read_bytes() == WEIGHTS
    info = api(dest).model_info("alice/tiny-copy")
    provenance = info.__dict__.get("provenance") or info.model_extra["provenance"]
    assert provenance["source"]["url"] == source.url
    assert provenance["source"]["repo"] == "alice/tiny"
    assert provenance["source"]["commit"] == commits(source, "alice/tiny")[0]
    # Imported history is scanned as pushed history is: its files get verdicts.
    wait_until(lambda: scan_status(dest, "alice/tiny-copy", "pytorch_model.bin") != "queued",
               timeout=60, message="the scanner to give the imported file a verdict")  # fmt: skip


def scan_status(hub: LiveHub, repo_id: str, path: str) -> str:
    entry = next(iter(api(hub).get_paths_info(repo_id, [path], expand=True)))
    return entry.security.status


def test_a_source_serving_other_bytes_for_an_lfs_file_leaves_no_repo(source, dest, monkeypatch):
    # Through Git LFS, so the object is one file of the source's blob store to damage.
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    weights = WEIGHTS + b"corrupt"
    make_model(source, "corrupt", weights=weights)
    oid = hashlib.sha256(weights).hexdigest()
    blob = source.data_dir / "blobs" / oid[:2] / oid[2:4] / oid
    blob.write_bytes(weights[:-1] + b"\x00")

    done = run_import(dest, f"{source.url}/alice/corrupt")

    assert done.returncode != 0
    assert "sent other bytes for LFS object" in done.stderr
    with pytest.raises(RepositoryNotFoundError):
        api(dest).model_info("alice/corrupt")


@pytest.mark.parametrize("fault", ["drop-mid-file", "lie-in-paths-info"])
def test_a_source_that_drops_the_connection_or_lies_about_a_hash_leaves_no_repo(
    source, dest, fault
):
    name = f"faulty-{fault}"
    make_model(source, name, weights=WEIGHTS + fault.encode())
    with FaultyProxy(source.url, fault) as proxy:
        done = run_import(dest, f"{proxy.url}/alice/{name}")

    assert done.returncode != 0
    expected = {
        "drop-mid-file": "dropped a file mid-transfer",
        "lie-in-paths-info": "The source's metadata gives pytorch_model.bin the sha256",
    }
    assert expected[fault] in done.stderr
    with pytest.raises(RepositoryNotFoundError):
        api(dest).model_info(f"alice/{name}")


def test_a_synced_import_brings_new_commits_on_the_workers_schedule(source, dest, tmp_path):
    make_model(source, "synced")
    assert run_import(dest, f"{source.url}/alice/synced", "--sync").returncode == 0

    api(source).create_commit("alice/synced", commit_message="More weights", operations=[
        CommitOperationAdd("extra.bin", WEIGHTS[::-1])])  # fmt: skip
    head = commits(source, "alice/synced")[0]

    wait_until(lambda: commits(dest, "alice/synced")[0] == head, timeout=60,
               message="the sync to bring the new commit")  # fmt: skip
    path = api(dest).hf_hub_download("alice/synced", "extra.bin", cache_dir=tmp_path)
    assert Path(path).read_bytes() == WEIGHTS[::-1]
    record = dest.manage("shell", "-c", RECORDED_COMMIT.format("alice/synced")).stdout
    assert record.strip().splitlines()[-1] == head


def test_the_import_page_imports_and_the_repo_page_shows_the_source(source, dest, page):
    make_model(source, "from-page")
    sign_in(page, dest, "alice")

    page.goto(f"{dest.url}/import/new")
    page.get_by_label("Source", exact=True).fill(f"{source.url}/alice/from-page@v1")
    page.get_by_label("Import as").fill("alice/paged")
    page.get_by_role("button", name="Import").click()

    page.wait_for_url(f"{dest.url}/alice/paged", timeout=60_000)
    shown = page.locator(".provenance-source").inner_text()
    assert "alice/from-page" in shown and source.url in shown and "v1" in shown
    assert commits(dest, "alice/paged") == commits(source, "alice/from-page", "v1")
