"""`git push` of 100 commits to the hub vs the same push to a local bare repository.

Both targets start from the same history (500 files of ~1 KiB in 50 commits). Each round
makes 100 new commits (three files rewritten in each) with git fast-import, then pushes them
to the local bare repository (baseline: git's pack transport over pipes, no hooks) and to
the hub (smart HTTP, the pre-receive hook asking the hub, the API's refresh after the push).

    .venv/bin/python -m bench.git_push [--commits 100] [--rounds 3] [--smoke]
"""

import tempfile
import time
from functools import cache
from pathlib import Path

from huggingface_hub import HfApi

from bench.common import live_hub, parser, race, table, verdict
from bench.git_common import Git, fast_import, hub_url

TARGET_FACTOR = 1.5
BASE_FILES, BASE_COMMITS = 500, 50


def main() -> None:
    cli = parser(__doc__.splitlines()[0])
    cli.add_argument("--commits", type=int, default=100)
    cli.add_argument("--file-size", type=int, default=4096, help="bytes of each file rewritten")
    args = cli.parse_args()
    commits = 5 if args.smoke else args.commits
    rounds = 1 if args.smoke else args.rounds
    with tempfile.TemporaryDirectory(prefix="minihub-bench-") as tmp, live_hub(Path(tmp)) as hub:
        work = Path(tmp)
        git = Git(work / "home")
        source, local = work / "source.git", work / "local.git"
        for repo in (source, local):
            git("init", "--quiet", "--bare", "--initial-branch=main", str(repo), cwd=work)
        size = args.file_size
        base = fast_import(git, source, files=BASE_FILES, commits=BASE_COMMITS, size=size)
        api = HfApi(endpoint=hub.url, token=hub.token)
        hub_remote = hub_url(hub, api.create_repo("bench-push").repo_id)
        git("push", "--quiet", "--force", hub_remote, "main", cwd=source)
        git("push", "--quiet", str(local), "main", cwd=source)

        @cache
        def tip(number: int) -> str:
            """The head after round `number`'s new commits (made once, pushed by both)."""
            parent = tip(number - 1) if number else base
            return fast_import(git, source, files=BASE_FILES, commits=commits, parent=parent,
                               version=number + 1, size=size)  # fmt: skip

        def push(target: str):
            def run(number: int) -> float:
                head = tip(number)
                start = time.perf_counter()
                git("push", "--quiet", target, f"{head}:refs/heads/main", cwd=source)
                return time.perf_counter() - start

            return run

        baseline, measured = race(rounds, push(str(local)), push(hub_remote))
        assert api.model_info("alice/bench-push").sha == tip(rounds - 1)
    table(
        f"git push of {commits} commits (3 files of {size} bytes rewritten in each), "
        f"best of {rounds}",
        [
            ("push to a local bare repo", baseline, f"{commits / baseline:.0f}"),
            ("push to the hub", measured, f"{commits / measured:.0f}"),
        ],
        unit="commits/s",
    )
    factor = measured / baseline
    print(
        f"ratio {factor:.2f}x a local push (target <= {TARGET_FACTOR:g}x): "
        f"{verdict(factor <= TARGET_FACTOR)}"
    )


if __name__ == "__main__":
    main()
