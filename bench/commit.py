"""One commit of many small files: `HfApi.create_commit` vs the git command line.

The hub side builds the CommitOperationAdd list from bytes in memory and sends one commit; the
baseline writes the same files into a fresh local repo, then runs `git add -A` and
`git commit`. Each round commits to a fresh repo on both sides.

    .venv/bin/python -m bench.commit [--files 1000] [--rounds 3] [--smoke]
"""

import os

# The client reads these once, at import.
os.environ.update(HF_HUB_DISABLE_XET="1", HF_HUB_DISABLE_TELEMETRY="1",
                  HF_HUB_DISABLE_PROGRESS_BARS="1")  # fmt: skip

import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from huggingface_hub import CommitOperationAdd, HfApi  # noqa: E402

from bench.common import live_hub, parser, race, table, verdict  # noqa: E402

TARGET_FACTOR = 3.0
_GIT = ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.com"]
_GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def small_files(count: int) -> dict[str, bytes]:
    """`count` distinct text files of about 1 KiB, as a config or a tokenizer file might be."""
    return {
        f"files/{n:04d}.txt": (f"file {n}: " + "the quick brown fox " * 50 + "\n").encode()
        for n in range(count)
    }


def git(*args: str, cwd: Path) -> None:
    subprocess.run([*_GIT, *args], cwd=cwd, env=_GIT_ENV, check=True, capture_output=True)


def main() -> None:
    cli = parser(__doc__.splitlines()[0])
    cli.add_argument("--files", type=int, default=1000, help="files in the commit")
    args = cli.parse_args()
    count = 50 if args.smoke else args.files
    rounds = 1 if args.smoke else args.rounds
    files = small_files(count)
    with tempfile.TemporaryDirectory(prefix="minihub-bench-") as tmp, live_hub(Path(tmp)) as hub:
        work = Path(tmp)
        api = HfApi(endpoint=hub.url, token=hub.token)

        def with_git(number: int) -> float:
            checkout = work / f"git-{number}"
            git("init", "-q", "-b", "main", str(checkout), cwd=work)
            start = time.perf_counter()
            (checkout / "files").mkdir()
            for path, data in files.items():
                (checkout / path).write_bytes(data)
            git("add", "-A", cwd=checkout)
            git("commit", "-q", "-m", f"Add {count} files", cwd=checkout)
            elapsed = time.perf_counter() - start
            shutil.rmtree(checkout)
            return elapsed

        def to_hub(number: int) -> float:
            repo = api.create_repo(f"bench-commit-{number}").repo_id
            start = time.perf_counter()
            operations = [
                CommitOperationAdd(path_in_repo=path, path_or_fileobj=data)
                for path, data in files.items()
            ]
            api.create_commit(repo, operations=operations, commit_message=f"Add {count} files")
            elapsed = time.perf_counter() - start
            listed = api.list_repo_files(repo)
            assert len([p for p in listed if p.startswith("files/")]) == count, listed[:5]
            return elapsed

        baseline, measured = race(rounds, with_git, to_hub)
    table(
        f"one commit of {count} files of ~1 KiB, best of {rounds}",
        [
            ("git add + commit (baseline)", baseline, f"{count / baseline:.0f}"),
            ("HfApi.create_commit to hub", measured, f"{count / measured:.0f}"),
        ],
        unit="files/s",
    )
    factor = measured / baseline
    print(
        f"ratio {factor:.2f}x git's time (target <= {TARGET_FACTOR:g}x): "
        f"{verdict(factor <= TARGET_FACTOR)}"
    )


if __name__ == "__main__":
    main()
