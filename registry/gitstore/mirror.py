"""Copying git history between repositories: from another hub over HTTP (an import) and
from a staging repository into a repo (its publication). Refs move under the caller's lock.
"""

import os
import subprocess
from pathlib import Path

from registry.errors import BadRequest
from registry.gitstore.repo import GitRepo

# Branches and tags: what a hub's repo is made of (pull requests and conversions are the
# source hub's own business).
REFSPECS = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]
# A source that sends nothing for this long is dropped (git's own low-speed limit); every
# object fetched is checked by git (no tree entry named `..` or `.git`, no broken object).
_STALL = {"http.lowSpeedLimit": "1", "http.lowSpeedTime": "60"}
_FSCK = {"fetch.fsckObjects": "true"}


class GitFetchFailed(BadRequest):
    code = "GitFetchFailed"


def _config_env(config: dict[str, str]) -> dict[str, str]:
    """Git configuration through the environment, so a token is never on a command line."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_COUNT": str(len(config))}
    for number, (key, value) in enumerate(config.items()):
        env[f"GIT_CONFIG_KEY_{number}"] = key
        env[f"GIT_CONFIG_VALUE_{number}"] = value
    return env


def fetch_remote(git: GitRepo, url: str, *, token: str | None) -> None:
    """Fetches the branches and tags of the repository at `url` (HTTP(S)) into `git`."""
    config = {**_STALL, **_FSCK}
    if token:
        config["http.extraHeader"] = f"Authorization: Bearer {token}"
    _fetch(git, url, _config_env(config))


def fetch_local(git: GitRepo, source: GitRepo | Path) -> None:
    """Fetches the branches and tags of another repository on this disk, or of a git
    bundle file (which git checks whole first), into `git`."""
    _fetch(git, str(source.path if isinstance(source, GitRepo) else source), _config_env(_FSCK))


def bundle_write(git: GitRepo, dest: Path) -> None:
    """Writes every branch and tag of `git`, with their history, as one git bundle file."""
    result = subprocess.run(
        ["git", "bundle", "create", "--quiet", str(dest), "--branches", "--tags"],
        cwd=git.path, env=_config_env({}), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise GitFetchFailed(f"git bundle create failed: {result.stderr.strip()}")


def borrow_objects(git: GitRepo, lender: GitRepo) -> None:
    """Lets `git` read `lender`'s objects (git alternates), so a fetch into it brings only
    what `lender` lacks; `git` must not outlive `lender`'s objects (staging only)."""
    info = git.path / "objects" / "info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "alternates").write_text(f"{(lender.path / 'objects').resolve()}\n")


def _fetch(git: GitRepo, source: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        ["git", "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", source, *REFSPECS],
        cwd=git.path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()[-1:] or ["no message"]
        raise GitFetchFailed(f"git fetch from {_redacted(source)} failed: {detail[0]}")


def _redacted(url: str) -> str:
    return url.split("@", 1)[-1] if "://" in url else url
