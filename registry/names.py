"""Pure validators for names the clients send: namespaces, repo names, paths in a repo,
revisions, branch and tag names."""

import re

from registry.errors import InvalidName, PathOutsideRepo

NAMESPACE_MAX = 42
REPO_NAME_MAX = 96
PATH_MAX_BYTES = 1024
SEGMENT_MAX_BYTES = 255
# A ref is a file under refs/: its last component plus ".lock" must fit a file name (255).
REF_NAME_MAX_BYTES = 250

# The Hub's rule for user, organization and repo names (huggingface_hub checks repo ids
# with `[\w\-.]`): ASCII letters, digits, '_', '-' and '.', not starting or ending with
# '-' or '.'. Underscores may start a name: the client's CI user is `__DUMMY_HUB_USER__`.
_NAME_RE = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# Characters `git check-ref-format` refuses anywhere in a ref name.
_REF_BAD_CHAR_RE = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")
# Code points HFS+ ignores in file names, so `.g\u200cit` opens `.git` on a Mac
# (git's core.protectHFS list).
_HFS_IGNORED_RE = re.compile("[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]")
# What a `.git` folder is also called on NTFS: its 8.3 short name, and `.git` itself
# once NTFS drops trailing dots and spaces and the `::$INDEX_ALLOCATION` stream suffix.
_DOTGIT_NAMES = frozenset({".git", "git~1"})

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
        "jobs",
        "collections",
        "media",
        "admin-panel",
        "v1",
    }
)


def validate_namespace(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidName("A name is required")
    if len(name) > NAMESPACE_MAX:
        raise InvalidName(f"Name '{name[:60]}' is longer than {NAMESPACE_MAX} characters")
    if not _NAME_RE.fullmatch(name) or "--" in name or ".." in name:
        raise InvalidName(
            f"Invalid name '{name}': use letters, digits, '-', '_' and '.', "
            "do not start or end with '-' or '.', and no '--' or '..'"
        )
    if name.lower() in RESERVED_NAMESPACES:
        raise InvalidName(f"The name '{name}' is reserved")
    return name


def validate_repo_name(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidName("A repository name is required")
    if len(name) > REPO_NAME_MAX:
        raise InvalidName(f"Repository name is longer than {REPO_NAME_MAX} characters")
    if not _NAME_RE.fullmatch(name) or "--" in name or ".." in name:
        raise InvalidName(
            f"Invalid repository name '{name}': use letters, digits, '-', '_' and '.', "
            "do not start or end with '-' or '.', and no '--' or '..'"
        )
    if name.lower().endswith(".git"):
        raise InvalidName("Repository names cannot end with '.git'")
    return name


def validate_path_in_repo(path: str) -> str:
    """A relative POSIX path naming a file or folder inside a repository, which every git
    client can check out: no segment that Windows or macOS would open as `.git`."""
    if not isinstance(path, str) or not path:
        raise InvalidName("A path in the repository is required")
    if _CONTROL_RE.search(path):
        raise InvalidName("Paths cannot contain NUL or control characters")
    if path.startswith("/"):
        raise InvalidName(f"Path '{path}' must be relative, not absolute")
    if ".." in re.split(r"[/\\]", path):
        # Under either separator: Windows reads `..\x` as a way out of the folder too.
        raise PathOutsideRepo(f"Path '{path}' climbs out of its folder with '..'")
    if "\\" in path:
        raise InvalidName(f"Path '{path}' cannot contain a backslash: use '/' between folders")
    if not _is_utf8(path):
        raise InvalidName("Paths must be valid text")
    if len(path.encode()) > PATH_MAX_BYTES:
        raise InvalidName(f"Path is longer than {PATH_MAX_BYTES} bytes")
    for segment in path.split("/"):
        _validate_segment(segment, path)
    return path


def _validate_segment(segment: str, path: str) -> None:
    if segment in {"", ".", ".."}:
        raise InvalidName(f"Path '{path}' has an empty, '.' or '..' segment")
    if _is_dotgit_alias(segment):
        raise InvalidName(f"Path '{path}' cannot contain a '.git' segment")
    if segment.endswith((".", " ")):
        # Windows drops them, so `model.` and `model` would be one file in a checkout.
        raise InvalidName(f"Path '{path}' has a segment ending with a dot or a space")
    if len(segment.encode()) > SEGMENT_MAX_BYTES:
        raise InvalidName(f"A segment of '{path[:80]}' is longer than {SEGMENT_MAX_BYTES} bytes")


def _is_dotgit_alias(segment: str) -> bool:
    """Whether a git client on Linux, Windows or macOS would take `segment` for `.git`."""
    name = _HFS_IGNORED_RE.sub("", segment).split(":", 1)[0].rstrip(". ")
    return name.lower() in _DOTGIT_NAMES


def validate_revision(revision: str) -> str:
    """A revision the client names (branch, tag, sha, `refs/pr/N`): text git could hold.

    libgit2 reads a ref name only up to its first NUL: `main`, a NUL and more would name main.
    """
    if not isinstance(revision, str) or not revision:
        raise InvalidName("A revision is required, as a string")
    if _CONTROL_RE.search(revision) or not _is_utf8(revision):
        raise InvalidName("Revisions cannot contain NUL, control characters or broken text")
    if len(revision.encode()) > PATH_MAX_BYTES:
        raise InvalidName(f"Revision is longer than {PATH_MAX_BYTES} bytes")
    return revision


def validate_ref_name(name: str, *, kind: str) -> str:
    """A branch or tag name that `git check-ref-format --branch` accepts.

    Stricter than git only where a name would read as something else: `@` (HEAD in git's
    revision syntax) and names under `refs/` (full ref names, such as `refs/pr/1`).
    """
    problem = _ref_name_problem(name)
    if problem is not None:
        shown = name[:100] if isinstance(name, str) else repr(name)[:100]
        # "Invalid reference for a branch: refs/pr/9" is the Hub's own wording.
        raise InvalidName(f"Invalid reference for a {kind}: {shown} ({problem})")
    return name


def _ref_name_problem(name: str) -> str | None:
    if not isinstance(name, str) or not name:
        return "a name is required"
    if not _is_utf8(name) or len(name.encode()) > REF_NAME_MAX_BYTES:
        return f"it must be text of at most {REF_NAME_MAX_BYTES} bytes"
    if _REF_BAD_CHAR_RE.search(name):
        return "control characters, spaces and ~ ^ : ? * [ \\ are not allowed"
    if ".." in name or "@{" in name:
        return "'..' and '@{' are not allowed"
    if name in {"HEAD", "@"} or name.startswith(("-", "refs/")):
        return "HEAD, '@', a leading '-' and full names under refs/ are reserved"
    if name.startswith("/") or name.endswith(("/", ".")) or "//" in name:
        return "it cannot start or end with '/', end with '.', or contain '//'"
    if any(part.startswith(".") or part.endswith(".lock") for part in name.split("/")):
        return "no part between slashes may start with '.' or end with '.lock'"
    return None


def _is_utf8(text: str) -> bool:
    # JSON bodies can carry lone surrogates, which neither git nor a file name can hold.
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
