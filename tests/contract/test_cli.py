"""The `hf` CLI against the hub (HF_ENDPOINT, HF_HOME): auth login/whoami, repos create, upload,
download."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.contract.helpers import client_env

pytestmark = pytest.mark.live

HF = str(Path(sys.executable).with_name("hf"))


def _hf(hub, home: Path, *args: str, cwd: Path | None = None, **env) -> subprocess.CompletedProcess:
    """Runs `hf` as a user would, with only HF_ENDPOINT and HF_HOME set (no HF_TOKEN)."""
    return subprocess.run(
        [HF, *args],
        env=client_env(hub, None, home, **env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def home(hub, alice, tmp_path_factory) -> Path:
    """An HF_HOME that `hf auth login --token` has stored alice's token in."""
    home = tmp_path_factory.mktemp("hf-cli-home")
    login = _hf(hub, home, "auth", "login", "--token", alice.token)
    assert login.returncode == 0, login.stdout + login.stderr
    return home


def test_hf_auth_login_stores_the_token(alice, home):
    assert (home / "token").read_text().strip() == alice.token


def test_hf_auth_whoami_names_the_logged_in_user_and_her_orgs(hub, home):
    whoami = _hf(hub, home, "auth", "whoami")

    assert whoami.returncode == 0, whoami.stderr
    assert "alice" in whoami.stdout
    assert "acme" in whoami.stdout


def test_hf_auth_login_refuses_a_bad_token(hub, tmp_path):
    login = _hf(hub, tmp_path, "auth", "login", "--token", "hf_" + "x" * 34)

    assert login.returncode != 0
    assert not (tmp_path / "token").exists()


def test_hf_repos_create_makes_a_repo_for_the_logged_in_user(hub, alice, home, repo_name):
    created = _hf(hub, home, "repos", "create", f"alice/{repo_name}")
    private = _hf(
        hub, home, "repos", "create", f"alice/{repo_name}-data", "--type", "dataset", "--private"
    )

    assert created.returncode == 0, created.stderr
    assert private.returncode == 0, private.stderr
    assert alice.api(hub).model_info(f"alice/{repo_name}").id == f"alice/{repo_name}"
    assert alice.api(hub).dataset_info(f"alice/{repo_name}-data").private is True


def test_hf_upload_then_hf_download_round_trips_a_file(hub, alice, home, repo_name, tmp_path):
    alice.api(hub).create_repo(f"alice/{repo_name}")
    (tmp_path / "hello.txt").write_text("hello from the cli\n")

    upload = _hf(
        hub, home, "upload", f"alice/{repo_name}", "hello.txt", "docs/hello.txt", cwd=tmp_path
    )
    out = str(tmp_path / "out")
    download = _hf(
        hub, home, "download", f"alice/{repo_name}", "docs/hello.txt", "--local-dir", out
    )

    assert upload.returncode == 0, upload.stderr
    assert download.returncode == 0, download.stderr
    assert (tmp_path / "out" / "docs" / "hello.txt").read_text() == "hello from the cli\n"
    assert alice.api(hub).list_repo_commits(f"alice/{repo_name}")[0].authors == ["alice"]


def test_hf_upload_of_a_folder_with_xet_disabled_and_a_full_download(
    hub, alice, home, repo_name, tmp_path
):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text('{"a": 1}')
    (folder / "model.safetensors").write_bytes(bytes(range(256)) * 512)

    upload = _hf(
        hub, home, "upload", f"alice/{repo_name}", str(folder), ".", HF_HUB_DISABLE_XET="1"
    )
    download = _hf(
        hub, home, "download", f"alice/{repo_name}", "--local-dir", str(tmp_path / "out")
    )

    assert upload.returncode == 0, upload.stderr
    assert download.returncode == 0, download.stderr
    assert (tmp_path / "out" / "model.safetensors").read_bytes() == bytes(range(256)) * 512
    assert (tmp_path / "out" / "config.json").read_text() == '{"a": 1}'
    tree = {f.path: f for f in alice.api(hub).list_repo_tree(f"alice/{repo_name}")}
    assert tree["model.safetensors"].lfs is not None
