"""Gradio Spaces end to end: pushed with huggingface_hub, built and run by the hub's Spaces
worker in the sandbox, called with the stock gradio_client by repo id (HF_ENDPOINT only).

Every hub of the session shares one environment cache (HUB_SPACES_CACHE_DIR): the base
Gradio venv is built by the first Space of the first run and reused after that.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from huggingface_hub import HfApi

from tests.live import ROOT, LiveHub

REVERSE_APP = 'import gradio as gr\n\ngr.Interface(lambda x: x[::-1], "text", "text").launch()\n'
# Where the stock client runs: a process of its own whose only hub setting is HF_ENDPOINT.
CLIENT = """
import sys
from gradio_client import Client
print("ANSWER:" + Client(sys.argv[1], verbose=False).predict(sys.argv[2], api_name="/lambda"))
"""


@pytest.fixture(scope="session")
def spaces_cache() -> Path:
    """One base environment for every hub of every run on this machine (the sandbox's uids
    must reach it, so not under pytest's private tmp)."""
    path = Path(os.environ.get("HUB_DATA_DIR", ROOT / ".test-data")) / "spaces-cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def hub(spaces_cache):
    # The sandbox binds the Space's files as its own uid: the data directory must let it pass.
    data_dir = Path(tempfile.mkdtemp(prefix="spaces-hub-"))
    data_dir.chmod(0o711)
    live = LiveHub(data_dir, HUB_SPACES_CACHE_DIR=str(spaces_cache)).start().add_accounts()
    yield live
    live.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def api(hub: LiveHub, name: str) -> HfApi:
    return HfApi(endpoint=hub.url, token=hub.tokens[name])


def push_space(hub: LiveHub, repo_id: str, files: dict[str, str], *, private: bool = False,
               card: str = "sdk: gradio\napp_file: app.py") -> None:  # fmt: skip
    """alice creates (or updates) a Gradio Space with `files`, with upload_folder."""
    alice = api(hub, "alice")
    alice.create_repo(repo_id, repo_type="space", space_sdk="gradio", private=private,
                      exist_ok=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "README.md").write_text(f"---\n{card}\n---\n# Demo\n")
        for name, text in files.items():
            Path(folder, name).write_text(text)
        alice.upload_folder(repo_id=repo_id, repo_type="space", folder_path=folder)


def wait_stage(hub: LiveHub, repo_id: str, stage: str, *, timeout: float = 600):
    """The runtime once it reaches `stage` (fails on any other final stage)."""
    alice = api(hub, "alice")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runtime = alice.get_space_runtime(repo_id)
        if runtime.stage == stage:
            return runtime
        if runtime.stage in {"BUILD_ERROR", "CONFIG_ERROR", "RUNTIME_ERROR", "NO_APP_FILE"}:
            pytest.fail(f"{repo_id} is {runtime.stage}: {runtime.raw.get('errorMessage')}")
        time.sleep(0.5)
    pytest.fail(f"{repo_id} did not reach {stage} in {timeout}s")


def call(hub: LiveHub, repo_id: str, text: str, *, token: str | None = None):
    """gradio_client.Client(repo_id).predict(text) with only HF_ENDPOINT (and HF_TOKEN)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    # A home of its own: no token saved on this machine is sent.
    home = tempfile.mkdtemp(prefix="hf-home-")
    env.update({"HF_ENDPOINT": hub.url, "HF_HOME": home, "HF_HUB_DISABLE_TELEMETRY": "1"})
    if token:
        env["HF_TOKEN"] = token
    return subprocess.run([sys.executable, "-c", CLIENT, repo_id, text], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def answer(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split("ANSWER:", 1)[1].strip()


def test_alice_pushes_a_gradio_app_and_gradio_client_calls_it_by_repo_id(hub):
    started = time.monotonic()
    push_space(hub, "alice/demo", {"app.py": REVERSE_APP})
    runtime = wait_stage(hub, "alice/demo", "RUNNING")
    print(f"alice/demo RUNNING after {time.monotonic() - started:.1f}s")

    assert runtime.hardware == "cpu-basic"
    assert api(hub, "alice").space_info("alice/demo").host == f"{hub.url}/spaces-apps/alice/demo/"
    assert answer(call(hub, "alice/demo", "hello")) == "olleh"


def test_a_space_with_requirements_gets_its_extra_package(hub):
    app = (
        "import gradio as gr\nimport six\n\n"
        'gr.Interface(lambda x: f"six {six.__version__}: {x}", "text", "text").launch()\n'
    )
    push_space(hub, "alice/with-six", {"app.py": app, "requirements.txt": "gradio\nsix==1.17.0\n"})
    wait_stage(hub, "alice/with-six", "RUNNING")

    assert answer(call(hub, "alice/with-six", "hi")) == "six 1.17.0: hi"


def test_charlie_cannot_reach_alices_private_space(hub):
    push_space(hub, "alice/secret-demo", {"app.py": REVERSE_APP}, private=True)
    wait_stage(hub, "alice/secret-demo", "RUNNING")

    refused = call(hub, "alice/secret-demo", "hello", token=hub.tokens["charlie"])
    assert refused.returncode != 0
    assert "ANSWER:" not in refused.stdout
    assert answer(call(hub, "alice/secret-demo", "hello", token=hub.tokens["alice"])) == "olleh"


def test_an_app_that_crashes_at_start_is_a_runtime_error_with_the_log_tail(hub):
    crash = 'import sys\nprint("loading the model...")\nsys.exit("boom: no model file here")\n'
    push_space(hub, "alice/crashes", {"app.py": crash})

    runtime = wait_stage_any(hub, "alice/crashes", {"RUNTIME_ERROR"}, timeout=120)
    assert "boom: no model file here" in runtime.raw["errorMessage"]


def test_a_space_asking_for_another_python_is_a_config_error(hub):
    push_space(hub, "alice/old-python", {"app.py": REVERSE_APP},
               card="sdk: gradio\napp_file: app.py\npython_version: '3.8'")  # fmt: skip

    runtime = wait_stage_any(hub, "alice/old-python", {"CONFIG_ERROR"}, timeout=60)
    assert "python_version 3.8 is not supported" in runtime.raw["errorMessage"]


def test_a_push_rebuilds_the_space(hub):
    push_space(hub, "alice/evolving", {"app.py": REVERSE_APP})
    wait_stage(hub, "alice/evolving", "RUNNING")
    assert answer(call(hub, "alice/evolving", "abc")) == "cba"

    upper = 'import gradio as gr\n\ngr.Interface(lambda x: x.upper(), "text", "text").launch()\n'
    push_space(hub, "alice/evolving", {"app.py": upper})
    wait_stage(hub, "alice/evolving", "RUNNING")

    assert answer(call(hub, "alice/evolving", "abc")) == "ABC"


def wait_stage_any(hub: LiveHub, repo_id: str, stages: set[str], *, timeout: float):
    alice = api(hub, "alice")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runtime = alice.get_space_runtime(repo_id)
        if runtime.stage in stages:
            return runtime
        time.sleep(0.5)
    pytest.fail(f"{repo_id} did not reach {stages} in {timeout}s (last: {runtime.stage})")
