"""`uv run` jobs (run_uv_job, `hf jobs uv run`): what the command asks, and the layer of
packages it needs on top of the hub's runtime.

The client sends `uv run [--with DEP]... [--python V] TARGET [ARGS]`, TARGET being a script
(a URL, or a file of a mounted volume) or a command. The hub does what uv would, but with
the install outside the sandbox: the worker resolves the script's inline dependencies
(PEP 723) and the `--with` ones with uv, from the configured index, wheels only
(`--no-build`: nothing of the job runs outside the sandbox), into a layer directory made
once per set. A requirement the hub's own environment satisfies is not installed again,
nor is any package the hub has (`--excludes`): the layer holds only what is new, and a
script that names a version the hub lacks gets it. Inside, the layer comes first on
PYTHONPATH and PATH, read-only at /opt/layer; then `python SCRIPT ARGS` or `COMMAND ARGS`
runs in the sandbox.
"""

import fcntl
import hashlib
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from registry import errors

LAYER = "/opt/layer"
_INLINE = re.compile(r"(?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$")
_INSTALL_TIMEOUT_SECONDS = 1800


@dataclass(frozen=True)
class UvRun:
    dependencies: list[str]  # --with
    python: str | None  # --python, only told about: the runtime's Python is the one
    target: str
    args: list[str]

    @property
    def is_script(self) -> bool:
        return self.target.endswith(".py") or "://" in self.target


def uv_run_parse(command: list[str]) -> UvRun | None:
    """The `uv run` a command asks for; None for any other command; a 400 for uv options
    this hub does not follow."""
    if command[0] != "uv":
        return None
    if command[1:2] != ["run"]:
        raise errors.BadRequest("Of uv's commands, jobs run `uv run` only")
    dependencies: list[str] = []
    python = None
    rest = command[2:]
    while rest and rest[0].startswith("-"):
        option, _, value = rest.pop(0).partition("=")
        if option in {"--with", "-w", "--python", "-p"} and not value:
            if not rest:
                raise errors.BadRequest(f"uv run {option} needs a value")
            value = rest.pop(0)
        if option in {"--with", "-w"}:
            dependencies.append(requirement_check(value))
        elif option in {"--python", "-p"}:
            python = value
        elif option not in {"--no-project", "-q", "--quiet", "--script"}:
            raise errors.BadRequest(f"uv run {option} is not an option this hub follows")
    if not rest:
        raise errors.BadRequest("uv run needs a script or a command")
    return UvRun(dependencies, python, rest[0], rest[1:])


def requirement_check(line: str) -> str:
    """A plain requirement (name, extras, version, markers); URLs and paths are a 400: uv
    runs outside the sandbox, and they would make it read the hub's own files."""
    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        raise errors.BadRequest(f"{line!r} is not a requirement") from None
    if requirement.url:
        raise errors.BadRequest(f"{line!r}: jobs install packages from the index only")
    return str(requirement)


def inline_metadata(script: str) -> dict:
    """The script's PEP 723 `script` block, parsed; {} without one."""
    for match in _INLINE.finditer(script):
        if match.group("type") == "script":
            content = "".join(
                line[2:] if line.startswith("# ") else line[1:]
                for line in match.group("content").splitlines(keepends=True)
            )
            try:
                return tomllib.loads(content)
            except tomllib.TOMLDecodeError as exc:
                raise errors.BadRequest(
                    f"The script's inline metadata is not TOML: {exc}"
                ) from None
    return {}


def script_dependencies(script: str) -> list[str]:
    found = inline_metadata(script).get("dependencies", [])
    if not isinstance(found, list) or not all(isinstance(item, str) for item in found):
        raise errors.BadRequest("The script's inline `dependencies` must be a list of strings")
    return [requirement_check(item) for item in found]


def _hub_packages() -> dict[str, str]:
    return {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions()
        if dist.metadata["Name"]
    }


def to_install(requirements: list[str]) -> list[str]:
    """The requirements the hub's environment does not satisfy as it is."""
    hub = _hub_packages()
    needed = []
    for line in requirements:
        requirement = Requirement(line)
        have = hub.get(canonicalize_name(requirement.name))
        if have is None or requirement.extras or not requirement.specifier.contains(have, True):
            needed.append(line)
    return sorted(set(needed))


def layer_ready(requirements: list[str], *, python: Path, say) -> Path | None:
    """The layer holding `requirements` over the hub's packages, installed once per set
    (under a lock); None when the hub has them all. `say(line)` writes to the job's log;
    a failed install raises LayerFailed with uv's last lines in the log."""
    needed = to_install(requirements)
    if not needed:
        say("[job] Dependencies: the hub's environment has them all")
        return None
    index = settings.HUB_JOBS_INDEX_URL or ""
    key = "\n".join([str(python), index, *needed])
    layers = settings.HUB_DATA_DIR / "jobs-cache" / "layers"
    layer = layers / hashlib.sha256(key.encode()).hexdigest()
    say("[job] Dependencies to install: " + ", ".join(needed))
    if (layer / ".complete").exists():
        return layer
    layer.parent.mkdir(parents=True, exist_ok=True)
    with (layer.parent / f"{layer.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (layer / ".complete").exists():
            _install(layer, needed, python=python, say=say)
    return layer


class LayerFailed(Exception):
    pass


def _install(layer: Path, needed: list[str], *, python: Path, say) -> None:
    shutil.rmtree(layer, ignore_errors=True)
    layer.mkdir(parents=True)
    names = {canonicalize_name(Requirement(line).name) for line in needed}
    excludes = sorted(set(_hub_packages()) - names)
    (layer / ".requirements.txt").write_text("\n".join(needed) + "\n")
    (layer / ".excludes.txt").write_text("\n".join(excludes) + "\n")
    index = ["--index-url", settings.HUB_JOBS_INDEX_URL] if settings.HUB_JOBS_INDEX_URL else []
    command = [
        _uv(), "pip", "install", "--no-config", "--no-build", "--target", str(layer),
        "--python", str(python), "-r", str(layer / ".requirements.txt"),
        "--excludes", str(layer / ".excludes.txt"), *index,
        "--cache-dir", str(settings.HUB_DATA_DIR / "jobs-cache" / "uv"),
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=layer, capture_output=True, text=True, timeout=_INSTALL_TIMEOUT_SECONDS
    )
    for line in (result.stdout + result.stderr).splitlines()[-40:]:
        say(line)
    if result.returncode != 0:
        raise LayerFailed(f"Installing the dependencies failed (uv exit {result.returncode})")
    _scripts_relocate(layer, python)
    for path in [layer, *layer.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or path.parent.name == "bin" else 0o644)
    (layer / ".complete").write_text("\n".join(needed))


def _scripts_relocate(layer: Path, python: Path) -> None:
    """Console scripts name the interpreter they were installed for, at its host path; the
    sandbox sees the runtime at /opt/runtime."""
    for script in (layer / "bin").glob("*") if (layer / "bin").is_dir() else []:
        data = script.read_bytes()
        if data.startswith(b"#!" + str(python).encode()):
            rest = data.partition(b"\n")[2]
            script.write_bytes(b"#!/opt/runtime/bin/python\n" + rest)


def _uv() -> str:
    """The uv installed beside the hub (a dependency of the hub), else one on PATH."""
    found = shutil.which("uv", path=str(Path(sys.prefix) / "bin")) or shutil.which("uv")
    if found is None:
        raise LayerFailed("uv is not installed beside the hub")
    return found
