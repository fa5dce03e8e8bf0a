"""docker-compose.yml cannot run here (no Docker engine): parse it, then run its hub
services' commands natively against this run's database and broker."""

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx2 as httpx
import pytest
import yaml
from huggingface_hub import HfApi

from tests.live import ROOT, LiveHub, wait_until

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
HUB_SERVICES = {name for name, spec in SERVICES.items() if spec.get("build") == "."}


def test_the_compose_file_has_the_production_shape():
    assert {"postgres", "redis", "minio", "web", "worker"} <= set(SERVICES)
    for name in ("postgres", "redis", "minio", "web", "worker"):
        assert SERVICES[name]["healthcheck"]["test"], f"{name} has no health check"
    assert "/api/health" in " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert (ROOT / "Dockerfile").is_file()


SECRETS = ("PASSWORD", "SECRET", "ACCESS_KEY")


def test_no_password_or_key_has_a_default_value():
    text = (ROOT / "docker-compose.yml").read_text()
    references = re.findall(r"\$\{([A-Z0-9_]+)(:?[-?])?([^}]*)\}", text)
    secrets = [ref for ref in references if any(word in ref[0] for word in SECRETS)]

    assert {name for name, _, _ in secrets} >= {
        "POSTGRES_PASSWORD", "HUB_SECRET_KEY", "HUB_S3_ACCESS_KEY_ID", "HUB_S3_SECRET_ACCESS_KEY",
    }  # fmt: skip
    for name, operator, message in secrets:
        assert operator == ":?", f"${{{name}}} must be required (:?), not {operator or 'optional'}"
        assert message.strip(), f"${{{name}:?}} needs a message naming what to set"


def test_no_literal_password_or_key_is_written_in_the_file():
    for name, spec in SERVICES.items():
        environment = spec.get("environment") or {}
        for key, value in environment.items():
            if any(word in key for word in SECRETS):
                assert str(value).startswith("${"), f"{name}: {key} is written in the file"


def published_ports(service: str) -> set[int]:
    """Container ports a service publishes on the host ("9000:9000", "127.0.0.1:9000:9000")."""
    return {
        int(str(entry).split(":")[-1].split("/")[0]) for entry in SERVICES[service].get("ports", ())
    }


def test_only_the_web_and_the_s3_api_are_published():
    assert published_ports("web") == {8000}
    # Clients reach the bucket through presigned URLs on the S3 port; the admin console
    # and the databases stay inside the compose network.
    assert published_ports("minio") == {9000}
    for name in ("postgres", "redis", "worker", "jobs", "migrate", "bucket"):
        assert published_ports(name) == set(), f"{name} publishes a port"


@pytest.mark.parametrize("service", sorted(HUB_SERVICES))
def test_every_hub_service_runs_a_command_the_project_has(service):
    command = SERVICES[service]["command"]
    executable = Path(sys.executable).parent / command[0]

    assert executable.exists(), f"{command[0]} is not installed by the project"
    if command[:2] == ["python", "manage.py"]:
        listed = subprocess.run(
            [sys.executable, "manage.py", "help", "--commands"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        assert command[2] in listed


def native(command: list[str], port: int) -> list[str]:
    """The compose command with this venv's executables and a free local port."""
    args = [arg.replace("0.0.0.0:8000", f"127.0.0.1:{port}") for arg in command]
    return [str(Path(sys.executable).parent / args[0]), *args[1:]]


def native_env(service: str, hub: LiveHub) -> dict[str, str]:
    """The run's environment, with the service's own settings that name other services
    pointed at their native stand-ins (the jobs worker's `http://web:8000`)."""
    own = {key: str(value) for key, value in SERVICES[service]["environment"].items()}
    internal = own.get("HUB_INTERNAL_URL", "").replace("http://web:8000", hub.url)
    return {**hub.env, **({"HUB_INTERNAL_URL": internal} if internal else {})}


def test_the_jobs_worker_runs_as_root_on_the_jobs_queue_and_reaches_the_web_service():
    jobs = SERVICES["jobs"]
    command = jobs["command"]
    assert command[command.index("--queues") + 1] == "jobs"
    assert command[command.index("--pool") + 1] == "threads"
    assert jobs["environment"]["HUB_INTERNAL_URL"] == "http://web:8000"
    assert (jobs["user"], jobs["privileged"]) == ("root", True)
    assert "bubblewrap" in (ROOT / "Dockerfile").read_text()


@pytest.mark.live
def test_the_hub_services_start_natively_report_healthy_and_run_a_job():
    # Not under pytest's 0700 tmp root: the sandbox's uid must reach the jobs runtime.
    data_dir = Path(tempfile.mkdtemp(prefix="compose-hub-"))
    data_dir.chmod(0o711)
    hub = LiveHub(data_dir)
    subprocess.run(native(SERVICES["migrate"]["command"], hub.port), cwd=ROOT, env=hub.env,
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    processes = [
        subprocess.Popen(
            native(SERVICES[name]["command"], hub.port),
            cwd=ROOT,
            env=native_env(name, hub),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for name in ("web", "worker", "jobs")
    ]
    try:
        health = wait_until(
            lambda: _health(hub.url), timeout=240, message="compose web + worker health"
        )
        assert all(check["ok"] for check in health["checks"].values())
        api = HfApi(endpoint=hub.url, token=hub.add_accounts().tokens["alice"])
        job = api.run_job(image="python:3.12", command=["python", "-c", "print('from compose')"])
        done = api.wait_for_job(job.id, timeout=120, poll_interval=0.2)
        assert done.status.stage == "COMPLETED", done.status.message
        assert "from compose" in list(api.fetch_job_logs(job_id=job.id))
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        hub.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def _health(url: str) -> dict | None:
    try:
        response = httpx.get(f"{url}/api/health", timeout=15)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None
