"""docker-compose.yml cannot run here (no Docker engine): parse it, then run its hub
services' commands natively against this run's database and broker."""

import subprocess
import sys
from pathlib import Path

import httpx2 as httpx
import pytest
import yaml

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


@pytest.mark.live
def test_the_hub_services_start_natively_and_report_healthy(tmp_path):
    hub = LiveHub(tmp_path)
    subprocess.run(native(SERVICES["migrate"]["command"], hub.port), cwd=ROOT, env=hub.env,
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    processes = [
        subprocess.Popen(
            native(SERVICES[name]["command"], hub.port),
            cwd=ROOT,
            env=hub.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for name in ("web", "worker")
    ]
    try:
        health = wait_until(
            lambda: _health(hub.url), timeout=90, message="compose web + worker health"
        )
        assert all(check["ok"] for check in health["checks"].values())
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        hub.stop()


def _health(url: str) -> dict | None:
    try:
        response = httpx.get(f"{url}/api/health", timeout=15)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None
