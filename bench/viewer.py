"""The dataset viewer against DuckDB and pyarrow run in this process on the same data.

Generates a CSV of N rows (1,000,000 of ~1 KB by default: about 1 GB), pushes it to a live
hub as a dataset, and measures:

- conversion: the hub's push-to-viewer-ready time against a plain pyarrow CSV-to-Parquet
  conversion of the same file (target: at least 0.5x its throughput);
- `/rows` of random pages (100 rows) against DuckDB reading the same shards with
  LIMIT/OFFSET in this process (target: p50 within 2x);
- `/search` of a word against DuckDB's ILIKE over the same shards (target: p50 within 5x).

    .venv/bin/python -m bench.viewer [--rows 1000000] [--smoke]
"""

import os

os.environ.update(HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_PROGRESS_BARS="1")

import bisect  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import duckdb  # noqa: E402
import httpx2 as httpx  # noqa: E402
import pyarrow.csv as pacsv  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from huggingface_hub import HfApi, snapshot_download  # noqa: E402

from bench.common import live_hub, parser, verdict  # noqa: E402
from tests.live import wait_until  # noqa: E402

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]
TARGETS = {"conversion": 0.5, "rows": 2.0, "search": 5.0}
API = "/api/datasets-server"


TEXTS = 4096  # distinct texts, drawn per row: writing 1 GB stays a matter of seconds


def write_csv(path: Path, rows: int, text_chars: int) -> None:
    rng = random.Random(7)
    texts = [" ".join(rng.choice(WORDS) for _ in range(text_chars // 6)) for _ in range(TEXTS)]
    with path.open("w") as handle:
        handle.write("id,label,score,text\n")
        for start in range(0, rows, 10_000):
            handle.write("".join(
                f"{i},{i % 5},{rng.random():.6f},{rng.choice(texts)}\n"
                for i in range(start, min(rows, start + 10_000))
            ))  # fmt: skip


def pyarrow_convert_seconds(source: Path, target: Path) -> float:
    started = time.perf_counter()
    reader = pacsv.open_csv(source, read_options=pacsv.ReadOptions(block_size=16 << 20))
    with pq.ParquetWriter(target, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
    return time.perf_counter() - started


def hub_convert_seconds(hub, api: HfApi, repo: str, source: Path) -> float:
    api.create_repo(repo, repo_type="dataset")
    api.upload_file(path_or_fileobj=str(source), path_in_repo="train.csv", repo_id=repo,
                    repo_type="dataset")  # fmt: skip
    started = time.perf_counter()

    def ready() -> bool:
        answer = httpx.get(f"{hub.url}{API}/is-valid", params={"dataset": repo},
                           headers={"Authorization": f"Bearer {hub.token}"})  # fmt: skip
        return answer.json().get("viewer", False)

    try:
        wait_until(ready, timeout=3600, interval=0.1, message="the conversion")
    except httpx.HTTPError:
        raise RuntimeError("the hub stopped answering:\n" + "".join(hub.output[-40:])) from None
    return time.perf_counter() - started


def p50(run, requests: int) -> float:
    latencies = []
    for number in range(requests):
        started = time.perf_counter()
        run(number)
        latencies.append(time.perf_counter() - started)
    return statistics.median(latencies)


BASE = {"dataset": "alice/bench-viewer", "config": "default", "split": "train"}


def _client(hub) -> httpx.Client:
    headers = {"Authorization": f"Bearer {hub.token}"}
    return httpx.Client(base_url=hub.url, headers=headers, timeout=120)


def measure_rows(hub, shards: list[str], offsets: list[int]) -> tuple[float, float, float]:
    """p50 of /rows at `offsets`, of DuckDB reading the same pages with LIMIT/OFFSET in this
    process (the target's baseline), and of DuckDB's fastest page query: the shard that holds
    the page, filtered on the row number so whole row groups are skipped (shown, not judged)."""
    con, http = duckdb.connect(), _client(hub)
    starts, first = [], 0
    for shard in shards:
        starts.append(first)
        first += pq.read_metadata(shard).num_rows

    def viewer(n: int) -> None:
        params = {**BASE, "offset": offsets[n], "length": 100}
        http.get(f"{API}/rows", params=params).raise_for_status()

    def direct(n: int) -> None:
        sql = "SELECT * FROM read_parquet($1) LIMIT 100 OFFSET $2"
        con.execute(sql, [shards, offsets[n]]).fetchall()

    def skipping(n: int) -> None:
        index = bisect.bisect_right(starts, offsets[n]) - 1
        local = offsets[n] - starts[index]
        sql = ("SELECT * EXCLUDE (file_row_number) FROM read_parquet($1, file_row_number = true) "
               "WHERE file_row_number >= $2 AND file_row_number < $3")  # fmt: skip
        con.execute(sql, [shards[index], local, local + 100]).fetchall()

    requests = len(offsets)
    return p50(viewer, requests), p50(direct, requests), p50(skipping, requests)


def measure_search(hub, shards: list[str], word: str, requests: int) -> tuple[float, float]:
    """p50 of /search for `word` and of DuckDB's ILIKE (a page and the count, as /search
    answers both) in this process."""
    con, http = duckdb.connect(), _client(hub)

    def viewer(n: int) -> None:
        params = {**BASE, "query": word, "offset": 0, "length": 100}
        http.get(f"{API}/search", params=params).raise_for_status()

    def direct(n: int) -> None:
        where = "FROM read_parquet($1) WHERE text ILIKE $2"
        con.execute(f"SELECT count(*) {where}", [shards, f"%{word}%"]).fetchall()
        con.execute(f"SELECT * {where} LIMIT 100", [shards, f"%{word}%"]).fetchall()

    return p50(viewer, requests), p50(direct, requests)


def main() -> None:
    cli = parser(__doc__.splitlines()[0])
    cli.add_argument("--rows", type=int, default=1_000_000)
    cli.add_argument("--requests", type=int, default=50)
    args = cli.parse_args()
    rows, text_chars, requests = (2_000, 60, 5) if args.smoke else (args.rows, 1000, args.requests)
    with tempfile.TemporaryDirectory(prefix="minihub-bench-") as tmp, live_hub(Path(tmp)) as hub:
        work = Path(tmp)
        source = work / "train.csv"
        write_csv(source, rows, text_chars)
        api = HfApi(endpoint=hub.url, token=hub.token)
        plain = pyarrow_convert_seconds(source, work / "plain.parquet")
        converted = hub_convert_seconds(hub, api, "alice/bench-viewer", source)
        local = snapshot_download("alice/bench-viewer", repo_type="dataset",
                                  revision="refs/convert/parquet", local_dir=work / "shards",
                                  endpoint=hub.url, token=hub.token)  # fmt: skip
        shards = sorted(str(p) for p in Path(local).glob("default/train/*.parquet"))
        rng = random.Random(11)
        pages = {
            "random": [rng.randrange(0, max(1, rows - 100)) for _ in range(requests)],
            "first": [0] * requests,
            "middle": [rows // 2] * requests,
            "last": [max(0, rows - 100)] * requests,
        }
        rows_p50 = {name: measure_rows(hub, shards, offsets) for name, offsets in pages.items()}
        search_p50 = measure_search(hub, shards, WORDS[3], requests)
    report(rows, plain=plain, converted=converted, rows_=rows_p50, search=search_p50)


def report(rows: int, plain: float, converted: float, rows_: dict, search: tuple) -> None:
    print(f"Dataset viewer, {rows} rows ({os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f})")  # fmt: skip
    throughput = plain / converted
    print(f"  conversion: hub {converted:.2f} s, pyarrow {plain:.2f} s: {throughput:.2f}x "
          f"pyarrow's throughput (target at least {TARGETS['conversion']}x) "
          f"{verdict(throughput >= TARGETS['conversion'])}")  # fmt: skip
    measured = [(f" ({page} pages)", "rows", p50s[:2]) for page, p50s in rows_.items()]
    for label, name, (hub_s, duck_s) in [*measured, ("", "search", search)]:
        ratio = hub_s / duck_s
        print(f"  /{name} p50{label}: hub {hub_s * 1000:.1f} ms, DuckDB {duck_s * 1000:.1f} ms: "
              f"{ratio:.2f}x DuckDB (target at most {TARGETS[name]}x) "
              f"{verdict(ratio <= TARGETS[name])}")  # fmt: skip
    for page, (hub_s, _, best) in rows_.items():
        print(f"  /rows p50 ({page} pages) against DuckDB skipping row groups on the shard: "
              f"hub {hub_s * 1000:.1f} ms, DuckDB {best * 1000:.1f} ms: {hub_s / best:.2f}x "
              "(shown, not judged)")  # fmt: skip


if __name__ == "__main__":
    main()
