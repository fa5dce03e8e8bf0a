"""The real `git` and `git-lfs` command line, as a user runs them against the hub.

Each `GitCli` has a throwaway HOME and global config, with `git lfs install` run in it and a
user name and email set, so nothing of the machine's own git setup leaks into a test.
"""

import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from tests.live import LiveHub

PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}


class GitCli:
    def __init__(self, home: Path):
        home.mkdir(parents=True, exist_ok=True)
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": str(home),
            "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
            "GIT_CONFIG_NOSYSTEM": "1",
            # A test never waits at a prompt: missing credentials fail at once.
            "GIT_TERMINAL_PROMPT": "0",
            "LANG": "C",
        }
        self("lfs", "install", "--skip-repo")
        self("config", "--global", "user.name", "Git User")
        self("config", "--global", "user.email", "git-user@example.com")

    def __call__(self, *args: str, cwd: Path | None = None, check: bool = True,
                 **env: str) -> subprocess.CompletedProcess:  # fmt: skip
        result = subprocess.run(
            ["git", *args], cwd=cwd, env={**self.env, **env}, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        if check and result.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed:\n{result.stderr}")
        return result

    def out(self, *args: str, cwd: Path) -> str:
        return self(*args, cwd=cwd).stdout.strip()

    def commit_files(self, checkout: Path, files: dict[str, bytes], message: str) -> str:
        """Writes `files`, commits them all; returns the new commit id."""
        for path, data in files.items():
            (checkout / path).parent.mkdir(parents=True, exist_ok=True)
            (checkout / path).write_bytes(data)
        self("add", "--all", cwd=checkout)
        self("commit", "--quiet", "-m", message, cwd=checkout)
        return self.out("rev-parse", "HEAD", cwd=checkout)


def remote(hub: LiveHub, repo_id: str, *, token: str | bool = False, user: str = "user",
           repo_type: str = "model", suffix: str = "") -> str:  # fmt: skip
    """The repo's git URL, with `user:token@` in it when a token is given (as users paste it)."""
    netloc = urlsplit(hub.url).netloc
    if token:
        netloc = f"{user}:{token}@{netloc}"
    return f"http://{netloc}/{PREFIX[repo_type]}{repo_id}{suffix}"
