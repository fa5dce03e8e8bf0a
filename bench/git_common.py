"""What the git benchmarks share: a git with a throwaway config, histories made fast, hub URLs."""

import os
import random
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from tests.live import LiveHub


class Git:
    """`git` with a config of its own, so neither side of a race reads the machine's setup."""

    def __init__(self, home: Path):
        home.mkdir(parents=True, exist_ok=True)
        (home / ".gitconfig").write_text("[user]\n\tname = Bench\n\temail = bench@example.com\n")
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
        }

    def __call__(self, *args: str, cwd: Path, stdin: bytes | None = None) -> str:
        result = subprocess.run(
            ["git", *args], cwd=cwd, env=self.env, input=stdin, capture_output=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"git {' '.join(args[:3])} failed: {result.stderr.decode()}")
        return result.stdout.decode().strip()


_WORDS = [
    "model", "tensor", "layer", "weight", "bias", "token", "batch", "epoch", "loss",
    "gradient", "attention", "head", "embedding", "vocab", "config", "train", "eval",
    "dataset", "split", "shard", "checkpoint", "optimizer", "schedule", "warmup", "decay",
    "float", "half", "int8", "quantize", "export", "onnx", "runtime", "device", "cuda", "cpu",
    "memory", "cache", "kernel",
]  # fmt: skip


def file_text(number: int, version: int, size: int = 1024) -> bytes:
    """About `size` bytes of text, different for each (file, version), that compresses
    like source code (3-4x), not like one repeated line."""
    rng = random.Random(number * 1_000_003 + version)
    words, length = [], 0
    while length < size:
        word = rng.choice(_WORDS) + ("\n" if rng.random() < 0.1 else " ")
        words.append(word)
        length += len(word)
    return "".join(words)[:size].encode()


def fast_import(git: Git, repo: Path, *, files: int, commits: int, parent: str | None = None,
                version: int = 0, size: int = 1024) -> str:  # fmt: skip
    """Writes `commits` commits on main with git fast-import; returns the new head.

    With `files`, the first commit adds that many files of `size` bytes (in folders of 100);
    each later commit rewrites three of them. Without `parent`, the history starts from nothing.
    """
    stream = bytearray()
    for n in range(commits):
        message = f"commit {version}.{n}".encode()
        stream += b"commit refs/heads/main\n"
        stream += b"committer Bench <bench@example.com> %d +0000\n" % (1_700_000_000 + n)
        stream += b"data %d\n%s\n" % (len(message), message)
        if n == 0 and parent:
            stream += f"from {parent}\n".encode()
        changed = range(files) if n == 0 and not parent else _picks(n, files)
        for number in changed:
            data = file_text(number, version * commits + n, size)
            path = f"data/{number // 100:03d}/file-{number:05d}.txt"
            stream += b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data)
    git("fast-import", "--quiet", cwd=repo, stdin=bytes(stream))
    return git("rev-parse", "refs/heads/main", cwd=repo)


def _picks(n: int, files: int) -> list[int]:
    return sorted({(n * 7 + k * 1931) % files for k in range(3)})


def hub_url(hub: LiveHub, repo_id: str) -> str:
    """The repo's git URL with alice's token in it, as a user pastes it."""
    netloc = urlsplit(hub.url).netloc
    return f"http://alice:{hub.token}@{netloc}/{repo_id}"


def hub_repo_dir(hub: LiveHub) -> Path:
    """The bare repository of the benchmark hub's one repo, on disk."""
    found = list((hub.data_dir / "repos").glob("*/*.git"))
    if len(found) != 1:
        raise RuntimeError(f"expected one repository on the hub, found {found}")
    return found[0]
