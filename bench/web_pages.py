"""Time to first byte of the web UI's home page, listings and search, against the floor.

Seeds N repos (100,000 by default) straight into the database with bench.api_latency's seed,
then measures p50 and p99 at 8 concurrent clients of the pages that query the repo table,
each as a ratio to `GET /api/agent-harnesses` (a constant answer through the same stack):

    .venv/bin/python -m bench.web_pages [--repos 100000] [--requests 400] [--smoke]
"""

import os
import statistics
import tempfile
from pathlib import Path

from bench.api_latency import _SEED, CLIENTS, measure, percentile
from bench.common import live_hub, parser, verdict

# Pages render a template of 30 rows (~10 ms of CPU in Django templates) on top of their
# query; the floor renders nothing. What must not happen is growth with the number of repos.
TARGET = 25.0
PAGES = {
    "home": "/",
    "models": "/models",
    "models by likes": "/models?sort=likes",
    "models by update": "/models?sort=updated",
    "filtered": "/models?task=fill-mask&library=timm&license=mit",
    "page 50": "/models?sort=downloads&p=50",
    "name search": "/models?search=model-4",
    "search page": "/search?q=model-4",
}


def main() -> None:
    cli = parser(__doc__.splitlines()[0])
    cli.add_argument("--repos", type=int, default=100_000)
    cli.add_argument("--requests", type=int, default=400, help="per page")
    args = cli.parse_args()
    repos, requests = (300, 16) if args.smoke else (args.repos, args.requests)
    with tempfile.TemporaryDirectory(prefix="minihub-bench-") as tmp, live_hub(Path(tmp)) as hub:
        hub.manage("shell", "-c", _SEED.format(count=repos))
        urls = {"floor": f"{hub.url}/api/agent-harnesses"}
        urls |= {name: hub.url + path for name, path in PAGES.items()}
        for url in urls.values():
            measure(url, {}, CLIENTS * 2)  # warm every worker's connection and caches
        results = {name: measure(url, {}, requests) for name, url in urls.items()}
        floor = statistics.median(results["floor"])
        print(f"Web pages at {CLIENTS} clients, {repos:,} repos ({os.cpu_count()} cores)")
        print(f"  {'':<18}{'p50 ms':>10}{'p99 ms':>10}{'p50/floor':>11}{'target':>12}")
        for name, values in results.items():
            p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
            ratio = p50 / floor
            mark = "" if name == "floor" else f"{TARGET:.0f}x {verdict(ratio <= TARGET)}"
            print(f"  {name:<18}{p50 * 1000:>10.2f}{p99 * 1000:>10.2f}{ratio:>10.2f}x{mark:>12}")


if __name__ == "__main__":
    main()
