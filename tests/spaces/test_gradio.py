"""Gradio Spaces end to end: pushed with huggingface_hub, built and run by the hub's Spaces
worker in the sandbox, called with the stock gradio_client by repo id (HF_ENDPOINT only).

Every hub of the session shares one environment cache (HUB_SPACES_CACHE_DIR): the base
Gradio venv is built by the first Space of the first run and reused after that.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
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


# -- a hostile Space ----------------------------------------------------------------------

# Not a Gradio app: any program that listens on GRADIO_SERVER_PORT is served. It probes at
# start, then answers every request with its findings as JSON.
HOSTILE_APP = r"""
import json, os, socket, subprocess
from http.server import BaseHTTPRequestHandler, HTTPServer

def tcp(host, port):
    try:
        socket.create_connection((host, port), timeout=1).close()
        return "reached"
    except OSError as exc:
        return type(exc).__name__

def read(path):
    try:
        with open(path, "rb") as handle:
            handle.read(16)
        return "reached"
    except OSError as exc:
        return type(exc).__name__

def write(path):
    try:
        with open(path, "w") as handle:
            handle.write("x")
        return "reached"
    except OSError as exc:
        return type(exc).__name__

def forks():
    bomb = "import os\nwhile True:\n  try:\n    os.fork()\n  except OSError:\n    break\n"
    try:
        subprocess.run(["python3", "-c", bomb], timeout=10)
    except Exception as exc:
        return type(exc).__name__
    return "bounded"

data = os.environ.get("PROBE_DATA_DIR", "")
report = {
    "postgres": tcp("127.0.0.1", 5432),
    "redis": tcp("127.0.0.1", 6379),
    "hub": tcp("127.0.0.1", int(os.environ.get("PROBE_HUB_PORT", "0") or 1)),
    "outside": tcp("1.1.1.1", 53),
    "secret_key": read(os.path.join(data, "secret_key")),
    "database": read(os.path.join(data, "minihub.sqlite3")),
    "shadow": read("/etc/shadow"),
    "etc": write("/etc/minihub-was-here"),
    "usr": write("/usr/minihub-was-here"),
    "fork_bomb": forks(),
    "env": sorted(k for k in os.environ if k.startswith(("HUB_", "DJANGO", "DATABASE"))),
}
body = json.dumps(report).encode()

class Report(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

HTTPServer(("127.0.0.1", int(os.environ["GRADIO_SERVER_PORT"])), Report).serve_forever()
"""


def test_a_hostile_space_reaches_nothing_and_the_hub_keeps_serving(hub):
    port = hub.url.rsplit(":", 1)[1]
    alice = api(hub, "alice")
    push_space(hub, "alice/hostile", {"app.py": HOSTILE_APP})
    alice.add_space_variable("alice/hostile", "PROBE_DATA_DIR", str(hub.data_dir))
    alice.add_space_variable("alice/hostile", "PROBE_HUB_PORT", port)
    alice.restart_space("alice/hostile")
    wait_stage(hub, "alice/hostile", "RUNNING")

    host = alice.space_info("alice/hostile").host
    report = json.loads(httpx.get(host, headers={"Authorization": f"Bearer {hub.tokens['alice']}"},
                                  timeout=60).content)  # fmt: skip

    reached = {probe: result for probe, result in report.items() if result == "reached"}
    assert reached == {}, report
    assert report["fork_bomb"] in {"bounded", "TimeoutExpired"}, report
    assert report["env"] == [], report
    assert alice.whoami()["name"] == "alice"
    assert alice.get_space_runtime("alice/hostile").stage == "RUNNING"
