"""`git clone` of a big history through the hub vs `git clone --no-local` of the same bare repo.

The history (2,000 commits, 5,000 files of ~1 KiB) is made with git fast-import and pushed
to the hub through git over HTTP. Both sides then clone the hub's own bare repository, with
a checkout: the hub over smart HTTP (protocol v2, `git http-backend` behind gunicorn), the
baseline straight from disk with `--no-local` (git's pack transport, no hard links).

    .venv/bin/python -m bench.git_clone [--commits 2000] [--files 5000] [--rounds 3] [--smoke]
"""

import shutil
import tempfile
import time
from pathlib import Path

from huggingface_hub import HfApi

from bench.common import live_hub, parser, race, table, verdict
from bench.git_common import Git, fast_import, hub_repo_dir, hub_url

TARGET_FACTOR = 1.5


def main() -> None:
    cli = parser(__doc__.splitlines()[0])
    cli.add_argument("--commits", type=int, default=2000)
    cli.add_argument("--files", type=int, default=5000)
    args = cli.parse_args()
    commits, files = (20, 50) if args.smoke else (args.commits, args.files)
    rounds = 1 if args.smoke else args.rounds
    with tempfile.TemporaryDirectory(prefix="minihub-bench-") as tmp, live_hub(Path(tmp)) as hub:
        work = Path(tmp)
        git = Git(work / "home")
        source = work / "source.git"
        git("init", "--quiet", "--bare", "--initial-branch=main", str(source), cwd=work)
        head = fast_import(git, source, files=files, commits=commits)
        repo_id = HfApi(endpoint=hub.url, token=hub.token).create_repo("bench-clone").repo_id
        git("push", "--quiet", "--force", hub_url(hub, repo_id), "main", cwd=source)
        on_disk = hub_repo_dir(hub)

        def clone(source_url: str, *options: str):
            def run(number: int) -> float:
                target = work / f"clone-{number}"
                start = time.perf_counter()
                git("clone", "--quiet", *options, source_url, str(target), cwd=work)
                elapsed = time.perf_counter() - start
                assert git("rev-parse", "HEAD", cwd=target) == head
                shutil.rmtree(target)
                return elapsed

            return run

        baseline, measured = race(
            rounds, clone(str(on_disk), "--no-local"), clone(hub_url(hub, repo_id))
        )
    table(
        f"git clone of {commits} commits, {files} files, best of {rounds}",
        [
            ("clone --no-local from disk", baseline, f"{commits / baseline:.0f}"),
            ("clone through the hub", measured, f"{commits / measured:.0f}"),
        ],
        unit="commits/s",
    )
    factor = measured / baseline
    print(
        f"ratio {factor:.2f}x a clone from disk (target <= {TARGET_FACTOR:g}x): "
        f"{verdict(factor <= TARGET_FACTOR)}"
    )


if __name__ == "__main__":
    main()
