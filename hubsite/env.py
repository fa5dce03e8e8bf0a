"""Typed readers for environment variables: each names the variable when its value is bad."""

import ipaddress
import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None else value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}"
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer; got {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {number}")
    return number


def env_url(name: str, default: str | None, *, schemes: set[str]) -> str | None:
    """A URL whose scheme is one of `schemes`; trailing slashes are dropped."""
    value = env_str(name)
    if not value:
        return default
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        allowed = ", ".join(sorted(schemes))
        raise ImproperlyConfigured(f"{name} must be a URL with scheme {allowed}; got {value!r}")
    if parts.scheme in {"http", "https"} and not parts.hostname:
        raise ImproperlyConfigured(f"{name} must include a host; got {value!r}")
    return value.rstrip("/")


def env_choice(name: str, default: str, *, choices: set[str]) -> str:
    value = (env_str(name) or default).upper()
    if value not in choices:
        raise ImproperlyConfigured(
            f"{name} must be one of {', '.join(sorted(choices))}; got {value!r}"
        )
    return value


def env_dir(name: str, default: Path) -> Path:
    """A directory that exists or can be created; returned absolute."""
    value = env_str(name)
    path = Path(value).expanduser() if value else default
    path = path.resolve()
    if path.exists() and not path.is_dir():
        raise ImproperlyConfigured(f"{name} must be a directory; {path} is a file")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(f"{name} cannot be created at {path}: {exc.strerror}") from None
    return path


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_networks(
    name: str, default: list[str]
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A comma-separated list of networks in CIDR form (an address alone is a /32 or /128)."""
    networks = []
    for item in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {item!r} is not a network") from None
    return networks


def env_roots(name: str) -> dict[str, Path]:
    """Named directories, `name=/absolute/path,...`; `default` is taken by HUB_REPOS_DIR."""
    found: dict[str, Path] = {}
    for item in env_list(name, []):
        root, _, path = item.partition("=")
        root = root.strip()
        if not root.replace("-", "").isalnum() or root == "default" or root in found:
            raise ImproperlyConfigured(f"{name}: {root!r} is not a new root name")
        if not path.strip().startswith("/"):
            raise ImproperlyConfigured(f"{name}: {root}'s path must be absolute")
        found[root] = Path(path.strip())
    return found


def env_group_map(name: str) -> dict[str, tuple[str, str]]:
    """`group=org:role,...` as {group: (org, role)}; roles are read, write or admin."""
    mapping = {}
    for pair in env_list(name, []):
        group, _, target = pair.partition("=")
        org, _, role = target.partition(":")
        if not group.strip() or not org.strip() or role.strip() not in {"read", "write", "admin"}:
            raise ImproperlyConfigured(f"{name}: expected group=org:read|write|admin; got {pair!r}")
        mapping[group.strip()] = (org.strip(), role.strip())
    return mapping


def env_keys(name: str) -> list[str]:
    """A comma-separated list of secret keys, each at least 32 characters (none: empty)."""
    keys = env_list(name, [])
    for number, key in enumerate(keys, 1):
        if len(key) < 32:
            raise ImproperlyConfigured(f"{name}: key {number} must be at least 32 characters")
    return keys


def secret_key(name: str, *, debug: bool, data_dir: Path) -> str:
    """The signing secret: from the environment, else one generated for this data directory.

    There is no built-in default: a fresh embedded install writes a random key into its data
    directory once (mode 0600), so every process sharing that directory signs alike.
    """
    value = env_str(name)
    if value:
        if len(value) < 32 and not debug:
            raise ImproperlyConfigured(f"{name} must be at least 32 characters outside debug")
        return value
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        # Written aside and linked into place: concurrent first starts agree on one key.
        fd, tmp = tempfile.mkstemp(dir=data_dir)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
        try:
            os.link(tmp, key_file)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return key_file.read_text().strip()
