"""Builds a Gradio Space: its files at a commit of main, the shared Gradio environment, and a
layer with the Space's own requirements.

Everything here runs in a worker, outside the sandbox, so nothing here may run the Space's
code: pip installs wheels only (`--only-binary :all:`, no setup.py, no build backend), from a
requirements file the hub rewrote from plain requirement specifiers (no options, no URLs, no
local paths: a requirements file can otherwise make pip read the hub's own files).

Layout (`HUB_SPACES_CACHE_DIR`, by default HUB_DATA_DIR/spaces, shared by every Space):
  base/<gradio version>/      a venv with Gradio, built once, bound read-only into sandboxes
  layers/<sha256>/            `pip install --prefix` of one requirements set over the base
  wheels/                     pip's cache
and per Space, HUB_DATA_DIR/spaces/<storage_id>/: app/ (its files, the sandbox's workdir),
build.log and run.log.
"""

import fcntl
import functools
import hashlib
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from registry.repofiles import repo_files_at
from sandbox.runner import PYTHON as SANDBOX_PYTHON
from spaces.models import SpaceRuntime

# The one Gradio the hub runs Spaces with (a Space's requirements cannot change it).
GRADIO_VERSION = "6.31.0"
# The base venv's hook: the sandbox names the layer in MINIHUB_LAYER, and the layer becomes a
# site directory (its own .pth files work, which PYTHONPATH would skip) after the base's, so
# the layer adds packages but never shadows Gradio's.
_LAYER_HOOK = (
    "import os, site; "
    "os.environ.get('MINIHUB_LAYER') and site.addsitedir(os.environ['MINIHUB_LAYER'])\n"
)
_REQUIREMENTS_MAX_BYTES = 64 * 1024
_PIP_TIMEOUT_SECONDS = 1800
Stage = SpaceRuntime.Stage


class BuildFailed(Exception):
    """Why a Space cannot run: the stage it is left in and the message its owner sees."""

    def __init__(self, stage: str, message: str):
        super().__init__(message)
        self.stage = stage
        self.message = message


@dataclass(frozen=True)
class Build:
    """What a run needs: the Space's files, the base environment, its layer (or none)."""

    space_dir: Path
    workdir: Path
    base: Path
    layer: Path | None
    app_file: str
    sha: str

    @property
    def layer_site(self) -> str:
        """The layer's site-packages, relative to the layer (where the sandbox binds it)."""
        return f"lib/python{python_version()}/site-packages"


@functools.cache
def python_version() -> str:
    """The Python Spaces run on: the sandbox's read-only system interpreter (the venv is
    made from it, so it exists inside every sandbox), e.g. "3.11"."""
    code = "import sys; print('%d.%d' % sys.version_info[:2])"
    return subprocess.run([SANDBOX_PYTHON, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip


def space_dir(runtime: SpaceRuntime) -> Path:
    return settings.HUB_DATA_DIR / "spaces" / str(runtime.repo.storage_id)


def build_log_path(runtime: SpaceRuntime) -> Path:
    return space_dir(runtime) / "build.log"


def space_build(*, runtime: SpaceRuntime, log_title: str = "Build") -> Build:
    """Materializes main's head of the Space and readies its environments; every step and
    every pip line goes to build.log. Raises BuildFailed with the stage to show."""
    repo = runtime.repo
    folder = space_dir(runtime)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with (folder / "build.log").open("w", encoding="utf-8") as log:
        _say(log, f"{log_title} of {repo.repo_id} at {repo.head_sha[:12]}")
        try:
            card = repo.card_data or {}
            app_file = _config_check(card)
            workdir = _materialize(repo=repo, folder=folder, log=log)
            if not (workdir / app_file).is_file():
                raise BuildFailed(Stage.NO_APP_FILE, f"No application file: {app_file} is missing")
            base = base_env_ready(log=log)
            layer = _layer_ready(workdir=workdir, base=base, log=log)
        except BuildFailed as failed:
            _say(log, f"Error: {failed.message}")
            raise
        _say(log, f"Build done in {time.monotonic() - started:.1f}s")
    return Build(folder, workdir, base, layer, app_file, repo.head_sha)


def _config_check(card: dict) -> str:
    """The app file to run, once the card asks for what this hub runs."""
    sdk = card.get("sdk")
    if sdk == "docker":
        raise BuildFailed(
            Stage.CONFIG_ERROR,
            "Docker Spaces need a container engine, which this hub does not run: "
            "use sdk: gradio or sdk: static",
        )
    if sdk != "gradio":
        raise BuildFailed(Stage.CONFIG_ERROR, f"sdk {sdk!r} is not one this hub builds")
    hub = python_version()
    wanted = str(card.get("python_version") or hub)
    if wanted.split(".")[:2] != hub.split("."):
        raise BuildFailed(
            Stage.CONFIG_ERROR,
            f"python_version {wanted} is not supported: this hub runs Spaces on Python "
            f"{hub} (remove python_version or set it to {hub})",
        )
    app_file = str(card.get("app_file") or "app.py")
    if app_file.startswith("/") or ".." in app_file.split("/"):
        raise BuildFailed(Stage.CONFIG_ERROR, f"app_file {app_file!r} is not a path in the repo")
    return app_file


def _materialize(*, repo, folder: Path, log) -> Path:
    """Writes the Space's files at main's head into a fresh app/ (the previous run's writes
    are dropped: a Space's disk lasts one run, as on the Hub)."""
    workdir = folder / "app"
    staging = folder / f"app.{uuid.uuid4().hex[:8]}"
    snapshot = repo_files_at(repo=repo, sha=repo.head_sha)
    for file in snapshot.files:
        target = staging / file.path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as out:
            for chunk in file.chunks():
                out.write(chunk)
    for path in snapshot.missing:
        _say(log, f"Warning: {path} is an LFS file whose bytes the hub does not hold; left out")
    staging.mkdir(exist_ok=True)
    # The sandbox copies app/ into its own disk as the Space's uid: it must read it all.
    for path in [staging, *staging.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    if workdir.exists():
        shutil.rmtree(workdir)
    staging.rename(workdir)
    _say(log, f"Files: {len(snapshot.files)} from commit {repo.head_sha}")
    return workdir


def cache_dir() -> Path:
    return settings.HUB_SPACES_CACHE_DIR


def base_env_path() -> Path:
    return cache_dir() / "base" / GRADIO_VERSION


def base_env_ready(*, log) -> Path:
    """The shared Gradio venv, built once (under a lock: concurrent builds wait for it)."""
    base = base_env_path()
    if (base / ".complete").exists():
        _say(log, f"Base environment: Gradio {GRADIO_VERSION} on Python {python_version()}")
        return base
    with _locked(base.with_name(base.name + ".lock")):
        if (base / ".complete").exists():
            _say(log, f"Base environment: Gradio {GRADIO_VERSION} (built by another build)")
            return base
        _say(log, f"Base environment: building Gradio {GRADIO_VERSION} (once for every Space)")
        shutil.rmtree(base, ignore_errors=True)
        _run(log, [SANDBOX_PYTHON, "-m", "venv", str(base)])
        _pip(log, base, ["install", f"gradio=={GRADIO_VERSION}"])
        frozen = _run(
            log, [str(base / "bin" / "python"), "-m", "pip", "freeze", "--all"], quiet=True
        )
        (base / "constraints.txt").write_text(frozen)
        site = base / "lib" / f"python{python_version()}" / "site-packages"
        (site / "minihub_layer.pth").write_text(_LAYER_HOOK)
        (base / ".complete").write_text(GRADIO_VERSION)
    return base


def requirements_parse(text: str) -> list[str]:
    """The Space's requirements as canonical specifiers, Gradio's own left out (the base
    has it). Only plain requirements: options, URLs and paths are a build error."""
    if len(text.encode()) > _REQUIREMENTS_MAX_BYTES:
        raise BuildFailed(Stage.BUILD_ERROR, "requirements.txt is over 64 KiB")
    found = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            requirement = None
        if requirement is None or requirement.url:
            raise BuildFailed(
                Stage.BUILD_ERROR,
                f"requirements.txt line {number}: {line!r} is not a requirement this hub "
                "installs (only names with versions, extras and markers; no options, URLs "
                "or paths)",
            )
        if canonicalize_name(requirement.name) in {"gradio", "gradio-client"}:
            continue
        found.append(str(requirement))
    return sorted(set(found))


def _layer_ready(*, workdir: Path, base: Path, log) -> Path | None:
    """The layer of the Space's requirements, installed once per distinct set."""
    file = workdir / "requirements.txt"
    requirements = requirements_parse(file.read_text(errors="replace")) if file.is_file() else []
    if not requirements:
        _say(log, "Requirements: none beyond Gradio")
        return None
    index = settings.HUB_SPACES_INDEX_URL or ""
    key = "\n".join(
        [f"python {python_version()}", f"gradio {GRADIO_VERSION}", index, *requirements]
    )
    layer = cache_dir() / "layers" / hashlib.sha256(key.encode()).hexdigest()
    _say(log, "Requirements: " + ", ".join(requirements))
    if (layer / ".complete").exists():
        _say(log, f"Layer {layer.name[:12]}: ready")
        return layer
    with _locked(layer.with_name(layer.name + ".lock")):
        if not (layer / ".complete").exists():
            _say(log, f"Layer {layer.name[:12]}: installing")
            shutil.rmtree(layer, ignore_errors=True)
            layer.mkdir(parents=True)
            (layer / "requirements.txt").write_text("\n".join(requirements) + "\n")
            # --prefix over the base's interpreter: what the base has is satisfied there and
            # not installed again; the base's exact versions are constraints, so nothing may
            # replace (or uninstall) a package of the shared environment.
            _pip(log, base, [
                "install", "--prefix", str(layer), "-c", str(base / "constraints.txt"),
                "-r", str(layer / "requirements.txt"),
            ])  # fmt: skip
            (layer / ".complete").write_text("\n".join(requirements))
    return layer


def _pip(log, base: Path, args: list[str]) -> None:
    index = ["--index-url", settings.HUB_SPACES_INDEX_URL] if settings.HUB_SPACES_INDEX_URL else []
    command = [
        str(base / "bin" / "python"), "-m", "pip", *args, *index,
        "--only-binary", ":all:", "--cache-dir", str(cache_dir() / "wheels"),
        "--no-input", "--disable-pip-version-check", "--progress-bar", "off",
    ]  # fmt: skip
    _run(log, command)


def _run(log, command: list[str], *, quiet: bool = False) -> str:
    """Runs a build step, its output streamed into the build log (unless `quiet`)."""
    log.flush()
    result = subprocess.run(
        command,
        stdout=subprocess.PIPE if quiet else log,
        stderr=log,
        text=True,
        timeout=_PIP_TIMEOUT_SECONDS,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    if result.returncode != 0:
        raise BuildFailed(
            Stage.BUILD_ERROR,
            f"{Path(command[0]).name} {' '.join(command[1:4])} ... failed "
            f"(exit {result.returncode}); see the build log",
        )
    return result.stdout or ""


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _say(log, line: str) -> None:
    log.write(f"[{time.strftime('%H:%M:%S')}] {line}\n")
    log.flush()
