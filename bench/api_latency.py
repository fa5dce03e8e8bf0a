"""Latency of the listing and info calls at 8 concurrent clients, against the framework's floor.

Seeds N repos (100,000 by default) straight into the database, one real repo with a README
and one with 10,000 files, then measures p50 and p99 of `model_info`, a search sorted by
downloads, a filter sorted by likes, `paths-info` of 20 files and a recursive tree listing,
each against `GET /api/agent-harnesses` (a constant JSON answer through the same middleware
and DRF stack): p50 within 2x of the floor's, p99 within 3x of the floor's p99. A search
whose every call is new (no cached answer can serve it) is shown beside them. The tree
listing is also compared with `git ls-tree -r -l` on the same bare repository. Run on
PostgreSQL, as the issue asks:

    HUB_DATABASE_URL=postgres://postgres@127.0.0.1:5432/minihub \\
    HUB_BROKER_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m bench.api_latency [--smoke]
"""

import os

os.environ.update(HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_PROGRESS_BARS="1")

import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx2 as httpx  # noqa: E402
from huggingface_hub import CommitOperationAdd, HfApi  # noqa: E402

from bench.common import live_hub, parser, verdict  # noqa: E402

CLIENTS = 8
# p50 within 2x of the floor's p50, p99 within 3x of the floor's p99.
TARGETS = {"model_info": 2.0, "search": 2.0, "filter": 2.0, "paths_info": 2.0, "tree": 2.0}
P99_TARGET = 3.0
TREE_TARGET = 5.0

# Runs inside `manage.py shell` on the hub's database: bulk rows, no git repositories
# (listings never open git).
_SEED = """
import random
from registry.models import Namespace, Repo, RepoTag
N, PER = {count}, 100
random.seed(7)
libraries = ["transformers", "timm", "diffusers", "sentence-transformers", "peft"]
tasks = ["fill-mask", "text-classification", "text-generation", "translation"]
for start in range(0, N, PER * 50):
    numbers = range(start // PER, min(N, start + PER * 50) // PER)
    Namespace.objects.bulk_create([Namespace(name=f"seed{{n}}", kind="user") for n in numbers])
    owners = list(Namespace.objects.filter(name__in=[f"seed{{n}}" for n in numbers]))
    repos = []
    for owner in owners:
        for i in range(PER):
            library, task = random.choice(libraries), random.choice(tasks)
            card = {{"library_name": library, "pipeline_tag": task, "license": "mit"}}
            repos.append(Repo(
                namespace=owner, name=f"model-{{i}}-{{library}}", type="model",
                card_data=card, pipeline_tag=task, library_name=library,
                downloads=random.randint(0, 10**6), likes=random.randint(0, 1000),
                head_sha="0" * 40,
            ))
    Repo.objects.bulk_create(repos, batch_size=5000)
    tags = [
        RepoTag(repo_id=repo.pk, tag=tag)
        for repo in Repo.objects.filter(namespace__in=owners)
        for tag in (repo.library_name, repo.pipeline_tag, "license:mit")
    ]
    RepoTag.objects.bulk_create(tags, batch_size=10000)
# Statistics for the planner, as autovacuum would gather them after a bulk load.
from django.db import connection
if connection.vendor == "postgresql":
    connection.cursor().execute("ANALYZE")
print(Repo.objects.count())
"""


def measure(url: str, headers: dict, requests: int, *, body: dict | None = None,
            fresh: bool = False) -> list[float]:  # fmt: skip
    """Latencies (seconds) of `requests` calls of `url` spread over CLIENTS threads: GETs, or
    POSTs of `body`; with `fresh`, each call adds a parameter no other call has, so no answer
    kept for an earlier call can serve it."""
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(10**9))

    def client() -> None:
        with httpx.Client(headers=headers, timeout=60) as http:
            mine = []
            for _ in range(requests // CLIENTS):
                target = f"{url}&fresh={next(counter)}-{time.time_ns()}" if fresh else url
                started = time.perf_counter()
                response = http.post(target, data=body) if body else http.get(target)
                response.raise_for_status()
                mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def seed(hub, api: HfApi, count: int, files: int) -> str:
    hub.manage("shell", "-c", _SEED.format(count=count))
    api.create_repo("info")
    api.upload_file(
        path_or_fileobj=b"---\nlicense: mit\nlibrary_name: transformers\n---\n# Info",
        path_in_repo="README.md",
        repo_id="alice/info",
    )
    api.create_repo("wide")
    operations = [
        CommitOperationAdd(f"d{n % 100}/f{n}.txt", f"{n}\n".encode()) for n in range(files)
    ]
    api.create_commit("alice/wide", operations=operations, commit_message="many files")
    return api.model_info("alice/wide").sha


def git_ls_tree_seconds(hub, sha: str, rounds: int) -> float:
    script = (
        "from registry.models import Repo; from registry.gitstore import repo_dir;"
        "print(repo_dir(Repo.objects.get(name='wide').storage_id))"
    )
    path = hub.manage("shell", "-c", script).stdout.strip().splitlines()[-1]
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(
            ["git", "ls-tree", "-r", "-l", sha], cwd=path, check=True, capture_output=True
        )
        best = min(best, time.perf_counter() - started)
    return best


def tree_seconds(api: HfApi, sha: str, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        entries = list(api.list_repo_tree("alice/wide", revision=sha, recursive=True))
        best = min(best, time.perf_counter() - started)
    assert len(entries) > 0
    return best


def main() -> None:
    cli = parser(__doc__.splitlines()[0])
    cli.add_argument("--repos", type=int, default=100_000)
    cli.add_argument("--files", type=int, default=10_000)
    cli.add_argument("--requests", type=int, default=800, help="per endpoint")
    args = cli.parse_args()
    repos, files, requests = (
        (1_000, 500, 80) if args.smoke else (args.repos, args.files, args.requests)
    )
    with tempfile.TemporaryDirectory(prefix="minihub-bench-") as tmp, live_hub(Path(tmp)) as hub:
        api = HfApi(endpoint=hub.url, token=hub.token)
        sha = seed(hub, api, repos, files)
        headers = {"Authorization": f"Bearer {hub.token}"}
        paths = {"paths": [f"d{n % 100}/f{n}.txt" for n in range(0, files, max(1, files // 20))]}
        calls = {
            "floor": (f"{hub.url}/api/agent-harnesses", {}),
            "model_info": (f"{hub.url}/api/models/alice/info", {}),
            "search": (f"{hub.url}/api/models?search=model-4&sort=downloads&limit=50", {}),
            "filter": (
                f"{hub.url}/api/models?filter=text-classification&filter=peft&sort=likes&limit=50",
                {},
            ),  # fmt: skip
            "paths_info": (f"{hub.url}/api/models/alice/wide/paths-info/{sha}", {"body": paths}),
            "tree": (
                f"{hub.url}/api/models/alice/wide/tree/{sha}?recursive=true&expand=false",
                {},
            ),  # fmt: skip
            "search, new": (
                f"{hub.url}/api/models?search=model-4&sort=downloads&limit=50",
                {"fresh": True},
            ),  # fmt: skip
        }
        for url, options in calls.values():  # warm every worker's connection and caches
            measure(url, headers, CLIENTS * 2, **options)
        results = {name: measure(url, headers, requests, **options)
                   for name, (url, options) in calls.items()}  # fmt: skip
        floor = statistics.median(results["floor"])
        floor_p99 = percentile(results["floor"], 0.99)
        print(f"API latency at {CLIENTS} clients, {repos:,} repos ({os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.2f})")  # fmt: skip
        print(f"  {'':<12}{'p50 ms':>10}{'p99 ms':>10}{'p50/floor':>11}{'p99/floor':>11}"
              f"{'target':>16}")  # fmt: skip
        for name, values in results.items():
            p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
            ratio, ratio99 = p50 / floor, p99 / floor_p99
            judged = name in TARGETS
            ok = ratio <= TARGETS.get(name, 0) and ratio99 <= P99_TARGET
            mark = f"{TARGETS[name]:.0f}x/{P99_TARGET:.0f}x {verdict(ok)}" if judged else ""
            print(f"  {name:<12}{p50 * 1000:>10.2f}{p99 * 1000:>10.2f}{ratio:>10.2f}x"
                  f"{ratio99:>10.2f}x{mark:>16}")  # fmt: skip
        print("  (search, new: every call a query never asked before, so none is answered from"
              " the listing cache; shown, not judged)")  # fmt: skip
        hub_tree = tree_seconds(api, sha, args.rounds)
        git_tree = git_ls_tree_seconds(hub, sha, args.rounds)
        ratio = hub_tree / git_tree
        print(
            f"Recursive tree of {files:,} files: hub {hub_tree * 1000:.1f} ms, "
            f"git ls-tree -r -l {git_tree * 1000:.1f} ms"
        )
        print(
            f"ratio {ratio:.2f}x git (target at most {TREE_TARGET:.0f}x): "
            f"{verdict(ratio <= TREE_TARGET)}"
        )


if __name__ == "__main__":
    main()
