"""Scan on commit, through the stock client: every file gets a verdict from the worker that
follows the commit, in the Hub's shapes (tree and paths-info with expand, model_info with
securityStatus and safetensors)."""

import io
import logging
from contextlib import contextmanager

import httpx2 as httpx
import numpy as np
import pytest
import torch
from safetensors.numpy import save

from tests.contract.conftest import make_repo
from tests.contract.gitcli import GitCli, remote
from tests.live import wait_until

pytestmark = pytest.mark.live

EVIL = b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00idq\x00\x85q\x01Rq\x02."  # never loaded


def torch_bytes() -> bytes:
    buffer = io.BytesIO()
    torch.save({"w": torch.zeros(2, 2)}, buffer)
    return buffer.getvalue()


def scanned_tree(api, repo_id: str) -> dict:
    """path -> RepoFile once no file is queued (the worker scans after the commit)."""

    def files() -> dict | None:
        found = {f.path: f for f in api.list_repo_tree(repo_id, recursive=True, expand=True)}
        return found if all(f.security["status"] != "queued" for f in found.values()) else None

    return wait_until(files, timeout=60, interval=0.1, message="the scan of every file")


@pytest.fixture(scope="module")
def scanned(hub, alice, tmp_path_factory) -> dict:
    repo_id = make_repo(hub, alice, "scanned-model")
    folder = tmp_path_factory.mktemp("scanned")
    weights = {"w": np.zeros((3, 4), dtype=np.float32), "h": np.zeros(6, dtype=np.float16)}
    (folder / "model.safetensors").write_bytes(save(weights))
    (folder / "pytorch_model.bin").write_bytes(torch_bytes())
    (folder / "evil.pkl").write_bytes(EVIL)
    (folder / "notes.txt").write_text("aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n")
    api = alice.api(hub)
    api.upload_folder(folder_path=folder, repo_id=repo_id)
    return {"repo_id": repo_id, "files": scanned_tree(api, repo_id)}


def test_a_pickle_calling_os_system_is_unsafe_with_its_import_listed(scanned):
    security = scanned["files"]["evil.pkl"].security

    assert security["status"] == "unsafe" and not security.safe
    assert security.pickle_import_scan == {
        "highestSafetyLevel": "dangerous",
        "imports": [{"module": "os", "name": "system", "safety": "dangerous"}],
    }


def test_torch_weights_are_safe_with_their_innocuous_imports(scanned):
    security = scanned["files"]["pytorch_model.bin"].security

    assert security.safe and security.pickle_import_scan["highestSafetyLevel"] == "innocuous"
    rebuild = {"module": "torch._utils", "name": "_rebuild_tensor_v2", "safety": "innocuous"}
    assert rebuild in security.pickle_import_scan["imports"]


def test_files_without_imports_are_safe_with_no_import_scan(scanned):
    security = scanned["files"]["model.safetensors"].security

    assert security.safe and security.pickle_import_scan is None and security.av_scan is None


def test_paths_info_with_expand_carries_the_same_verdicts(hub, alice, scanned):
    infos = alice.api(hub).get_paths_info(scanned["repo_id"], ["evil.pkl"], expand=True)

    assert infos[0].security["status"] == "unsafe"


def test_model_info_lists_the_files_with_issues(hub, charlie, scanned):
    info = charlie.api(hub).model_info(scanned["repo_id"], securityStatus=True)

    assert info.security_repo_status == {
        "scansDone": True,
        "filesWithIssues": [{"path": "evil.pkl", "status": "unsafe", "level": "dangerous"}],
    }


def test_model_info_counts_safetensors_parameters_per_dtype(hub, anonymous, scanned):
    expanded = anonymous.api(hub).model_info(scanned["repo_id"], expand=["safetensors"])
    default = anonymous.api(hub).model_info(scanned["repo_id"])

    assert expanded.safetensors.parameters == {"F32": 12, "F16": 6}
    assert expanded.safetensors.total == 18
    assert default.safetensors == expanded.safetensors


def test_a_git_push_is_scanned_too(hub, alice, tmp_path):
    repo_id = make_repo(hub, alice, "pushed-pickle")
    git = GitCli(tmp_path / "home")
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)
    # No .gitattributes: the pickle travels as a plain git blob.
    git.commit_files(tmp_path / "clone", {"weights.pkl": EVIL}, "Add weights")
    git("push", "origin", "main", cwd=tmp_path / "clone")

    files = scanned_tree(alice.api(hub), repo_id)

    assert files["weights.pkl"].security["status"] == "unsafe"


def test_an_org_requiring_scans_refuses_a_push_adding_a_dangerous_pickle(hub, alice, tmp_path):
    hub.manage("createorg", "guarded-org", "--member", "alice:admin", "--scans-required")
    repo_id = make_repo(hub, alice, "pushed", namespace="guarded-org")
    git = GitCli(tmp_path / "home")
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)
    git.commit_files(tmp_path / "clone", {"weights.pkl": EVIL}, "Add weights")

    pushed = git("push", "origin", "main", cwd=tmp_path / "clone", check=False)

    assert pushed.returncode != 0
    assert "flags weights.pkl as unsafe" in pushed.stderr
    assert "weights.pkl" not in alice.api(hub).list_repo_files(repo_id)


LEAK = b'aws_key = "AKIAIOSFODNN7EXAMPLE"\n'  # AWS's documented example key


@contextmanager
def client_warnings():
    """What the stock client logs as warnings (it shows each X-HF-Warning it receives)."""
    logged: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: logged.append(record.getMessage())
    logger = logging.getLogger("huggingface_hub")
    logger.addHandler(handler)
    try:
        yield logged
    finally:
        logger.removeHandler(handler)


def test_a_commit_holding_a_secret_warns_the_writer_through_the_stock_client(hub, alice):
    repo_id = make_repo(hub, alice, "leaky")
    api = alice.api(hub)

    with client_warnings() as logged:
        api.upload_file(path_or_fileobj=b"no secret here\n", path_in_repo="notes.txt",
                        repo_id=repo_id)  # fmt: skip
        api.upload_file(path_or_fileobj=LEAK, path_in_repo="settings.py", repo_id=repo_id)

    warned = [line for line in logged if "seems to hold secrets" in line]
    assert warned == [
        "This commit seems to hold secrets: settings.py line 1 (AWS Access Key). Revoke them "
        "now: they stay in the repo's history even after the file changes"
    ]
    # The verdict was kept: the file page's warning needs no second scan.
    files = scanned_tree(api, repo_id)
    assert files["settings.py"].security["status"] == "safe"


def test_a_git_push_holding_a_secret_lands_with_a_remote_warning(hub, alice, tmp_path):
    repo_id = make_repo(hub, alice, "leaky-push")
    git = GitCli(tmp_path / "home")
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)
    git.commit_files(tmp_path / "clone", {"settings.py": LEAK}, "Add settings")

    pushed = git("push", "origin", "main", cwd=tmp_path / "clone")

    assert "remote: This commit seems to hold secrets: settings.py line 1" in pushed.stderr
    assert "settings.py" in alice.api(hub).list_repo_files(repo_id)


def test_a_bulk_commit_is_not_held_up_scanning_and_its_secret_shows_on_the_file(
    hub, alice, tmp_path
):
    repo_id = make_repo(hub, alice, "leaky-bulk")
    api = alice.api(hub)
    folder = tmp_path / "project"
    folder.mkdir()
    for number in range(9):  # past what a write scans before it answers
        (folder / f"notes-{number}.txt").write_text(f"note {number}\n")
    (folder / "settings.py").write_bytes(LEAK)

    with client_warnings() as logged:
        api.upload_folder(folder_path=folder, repo_id=repo_id)

    assert not [line for line in logged if "seems to hold secrets" in line]

    def warned() -> str | None:
        text = httpx.get(f"{hub.url}/{repo_id}/blob/main/settings.py",
                         headers={"Authorization": f"Bearer {alice.token}"}).text  # fmt: skip
        return text if "This file seems to hold secrets" in text else None

    page = wait_until(warned, timeout=60, message="the worker's scan to warn on the file page")
    assert "AWS Access Key on line 1" in page
