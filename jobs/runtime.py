"""The Python a job runs on: the hub's own runtime, inside the sandbox.

Every image a job may name (jobs.services.image_check) maps to this one environment: an
interpreter the sandbox can reach, of the hub's own Python version, that sees the hub's own
packages (huggingface_hub, datasets, transformers, torch...), read-only. It is a venv made
once per data directory (`python -m venv --without-pip`: a fraction of a second) whose
`minihub_runtime.pth` adds the hub's site-packages as a site directory, so their own .pth
files work. The interpreter is the hub's when it lives under /usr (a container's
/usr/local), else the system's /usr/bin/python3 when it has the hub's major.minor version
(the hub's may live where the sandbox's uid cannot reach, such as /root/.pyenv). Inside, the
runtime is /opt/runtime and the hub's environment (sys.prefix, unless under /usr) is
/opt/hub-env, both read-only: fixed paths, as the hub's own may be under /tmp or /home,
which the sandbox replaces with its own.
"""

import fcntl
import functools
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from sandbox.runner import PYTHON as SYSTEM_PYTHON

_SYSTEM = Path("/usr")
RUNTIME = Path("/opt/runtime")
HUB_ENV = Path("/opt/hub-env")


class RuntimeUnavailable(Exception):
    """The hub's Python cannot run in the sandbox on this machine (a message for the job)."""


@dataclass(frozen=True)
class Runtime:
    venv: Path
    binds: list[tuple[Path, str]]
    version: str  # e.g. "3.11.7"

    @property
    def python(self) -> Path:
        """Its interpreter, on the host (for installing packages that match it)."""
        return self.venv / "bin" / "python"

    @property
    def bin(self) -> Path:
        """Its bin directory, inside the sandbox."""
        return RUNTIME / "bin"


def hub_version() -> str:
    return ".".join(str(part) for part in sys.version_info[:3])


def _minor() -> str:
    return ".".join(str(part) for part in sys.version_info[:2])


@functools.cache
def _interpreter() -> Path:
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}"
    if base.is_relative_to(_SYSTEM) and base.exists():
        return base
    code = "import sys; print('.'.join(map(str, sys.version_info[:2])))"
    found = subprocess.run([SYSTEM_PYTHON, "-c", code], capture_output=True, text=True)
    wanted = _minor()
    if found.stdout.strip() != wanted:
        raise RuntimeUnavailable(
            f"The hub runs on Python {wanted}, which the sandbox cannot reach; its system "
            f"Python is {found.stdout.strip() or 'missing'}"
        )
    return Path(SYSTEM_PYTHON)


def runtime_ready() -> Runtime:
    """The runtime venv, made on first use (under a lock: concurrent jobs wait for it)."""
    interpreter = _interpreter()
    prefix = Path(sys.prefix)
    venv = settings.HUB_DATA_DIR / "jobs-runtime" / f"python{hub_version()}"
    binds = [] if prefix.is_relative_to(_SYSTEM) else [(prefix, str(HUB_ENV))]
    runtime = Runtime(venv=venv, binds=[*binds, (venv, str(RUNTIME))], version=hub_version())
    if (venv / ".complete").exists():
        return runtime
    venv.parent.mkdir(parents=True, exist_ok=True)
    with (venv.parent / f"{venv.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / ".complete").exists():
            _build(venv, interpreter)
    return runtime


def _hub_sites() -> list[Path]:
    """The hub's site-packages as the sandbox sees them."""
    prefix = Path(sys.prefix)
    paths = dict.fromkeys(Path(sysconfig.get_paths()[key]) for key in ("purelib", "platlib"))
    if prefix.is_relative_to(_SYSTEM):
        return list(paths)
    return [HUB_ENV / path.relative_to(prefix) for path in paths]


def _build(venv: Path, interpreter: Path) -> None:
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([str(interpreter), "-m", "venv", "--without-pip", str(venv)], check=True)
    site = venv / "lib" / f"python{_minor()}" / "site-packages"
    lines = [f"import site; site.addsitedir({str(path)!r})" for path in _hub_sites()]
    (site / "minihub_runtime.pth").write_text("\n".join(lines) + "\n")
    for path in [venv, *venv.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    (venv / ".complete").write_text(hub_version())
