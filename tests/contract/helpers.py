"""Helpers the issue-4 contract tests share: commits through the real client, files read back
through the real client, model cards, and library code run in a subprocess against the hub."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml
from huggingface_hub import CommitOperationAdd, HfApi, hf_hub_download

from tests.live import LiveHub


def commit_files(
    api: HfApi,
    repo_id: str,
    files: dict[str, str | bytes],
    *,
    message: str = "add files",
    description: str | None = None,
    revision: str | None = None,
    repo_type: str | None = None,
    create_pr: bool = False,
):
    """One commit adding `files` (path -> content) through `create_commit`; its CommitInfo."""
    operations = [
        CommitOperationAdd(path, content.encode() if isinstance(content, str) else content)
        for path, content in files.items()
    ]
    return api.create_commit(
        repo_id,
        operations,
        commit_message=message,
        commit_description=description,
        revision=revision,
        repo_type=repo_type,
        create_pr=create_pr,
    )


def read_text(
    api: HfApi, repo_id: str, path: str, *, revision: str | None = None, repo_type=None
) -> str:
    """The file as `hf_hub_download` gives it back."""
    local = hf_hub_download(
        repo_id,
        path,
        revision=revision,
        repo_type=repo_type,
        endpoint=api.endpoint,
        token=api.token,
    )
    return Path(local).read_text()


def card(body: str = "A test card.\n", **metadata) -> str:
    """A README.md with `metadata` as YAML front matter."""
    return f"---\n{yaml.safe_dump(metadata, sort_keys=False)}---\n{body}"


def client_env(hub: LiveHub, token: str | None, home: Path, **extra: str) -> dict[str, str]:
    """The environment a user of `datasets`, `transformers` or the `hf` CLI sets for this hub."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HF_", "HUGGING", "HUB_", "TRANSFORMERS_"))
    }
    env.update(
        HF_ENDPOINT=hub.url,
        HF_HOME=str(home),
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_UPDATE_DOWNLOAD_COUNTS="0",
        DISABLE_SAFETENSORS_CONVERSION="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        TOKENIZERS_PARALLELISM="false",
        PYTHONUNBUFFERED="1",
    )
    if token:
        env["HF_TOKEN"] = token
    env.update(extra)
    return env


def run_client_script(
    hub: LiveHub, token: str | None, home: Path, script: str, *, timeout: float = 600, **extra
) -> dict:
    """Runs `script` in a fresh interpreter against the hub; returns the JSON it printed last.

    The script prints one JSON object on its last line of stdout. Libraries that read
    HF_ENDPOINT at import time (`datasets`, `transformers`) only work this way.
    """
    home.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        env=client_env(hub, token, home, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0 and lines, (
        f"client script failed ({result.returncode}):\n{result.stdout[-4000:]}\n"
        f"{result.stderr[-6000:]}"
    )
    return json.loads(lines[-1])


# Prepended to client scripts: `step(name)` records each step's result or error, so one
# failing step does not hide the others and the test names what went wrong.
STEPS = """
import json, traceback
RESULTS = {}

class step:
    def __init__(self, name):
        self.name = name
    def __enter__(self):
        RESULTS[self.name] = {"ok": False}
        return RESULTS[self.name]
    def __exit__(self, kind, exc, tb):
        if exc is not None:
            RESULTS[self.name]["error"] = "".join(traceback.format_exception(exc))[-3000:]
            return True
        RESULTS[self.name]["ok"] = True
        return False

def done():
    print()
    print(json.dumps(RESULTS))
"""


def step_ok(results: dict, name: str) -> dict:
    """The recorded step, after asserting it ran without error (showing the error if not)."""
    outcome = results[name]
    assert outcome["ok"], f"step {name!r} failed:\n{outcome.get('error')}"
    return outcome
