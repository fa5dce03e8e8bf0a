"""Pure validators for names the clients send: namespaces, repo names, paths in a repo."""

import re

from registry.errors import InvalidName

NAMESPACE_MAX = 42
REPO_NAME_MAX = 96
PATH_MAX_BYTES = 1024
SEGMENT_MAX_BYTES = 255

_NAMESPACE_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
_REPO_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")

# First path segments the web and git routes own; no account may take them.
RESERVED_NAMESPACES = frozenset(
    {
        "api",
        "datasets",
        "spaces",
        "models",
        "kernels",
        "docs",
        "login",
        "logout",
        "join",
        "signup",
        "settings",
        "static",
        "new",
        "organizations",
        "lfs",
        "search",
        "health",
        "xet",
        "cas",
        "users",
        "buckets",
        "collections",
        "media",
        "admin-panel",
    }
)


def validate_namespace(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidName("A name is required")
    if len(name) > NAMESPACE_MAX:
        raise InvalidName(f"Name '{name[:60]}' is longer than {NAMESPACE_MAX} characters")
    if not _NAMESPACE_RE.fullmatch(name) or "--" in name:
        raise InvalidName(
            f"Invalid name '{name}': use letters, digits and single hyphens, "
            "starting and ending with a letter or digit"
        )
    if name.lower() in RESERVED_NAMESPACES:
        raise InvalidName(f"The name '{name}' is reserved")
    return name


def validate_repo_name(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidName("A repository name is required")
    if len(name) > REPO_NAME_MAX:
        raise InvalidName(f"Repository name is longer than {REPO_NAME_MAX} characters")
    if not _REPO_NAME_RE.fullmatch(name) or "--" in name or ".." in name:
        raise InvalidName(
            f"Invalid repository name '{name}': use letters, digits, '-', '_' and '.', "
            "start and end with a letter or digit, and no '--' or '..'"
        )
    if name.lower().endswith(".git"):
        raise InvalidName("Repository names cannot end with '.git'")
    return name


def validate_path_in_repo(path: str) -> str:
    """A relative POSIX path naming a file or folder inside a repository."""
    if not isinstance(path, str) or not path:
        raise InvalidName("A path in the repository is required")
    if _CONTROL_RE.search(path):
        raise InvalidName("Paths cannot contain NUL or control characters")
    if path.startswith("/"):
        raise InvalidName(f"Path '{path}' must be relative, not absolute")
    if len(path.encode()) > PATH_MAX_BYTES:
        raise InvalidName(f"Path is longer than {PATH_MAX_BYTES} bytes")
    for segment in path.split("/"):
        if segment in {"", ".", ".."}:
            raise InvalidName(f"Path '{path}' has an empty, '.' or '..' segment")
        if segment == ".git":
            raise InvalidName(f"Path '{path}' cannot contain a '.git' segment")
        if len(segment.encode()) > SEGMENT_MAX_BYTES:
            raise InvalidName(
                f"A segment of '{path[:80]}' is longer than {SEGMENT_MAX_BYTES} bytes"
            )
    return path
