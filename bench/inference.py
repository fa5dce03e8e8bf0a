"""Warm text-classification through the Inference API against the same pipeline called directly.

Pushes a BERT-shaped classifier with random weights (hidden 512, 6 layers by default), warms
both worker processes, then measures in the same run, against `pipeline(...)` called in
this process on as many torch threads as one worker process uses (HUB_INFERENCE_THREADS, 1):
  - latency: p50 of one client's sequential calls, each API call right after a direct one
    so both see the same machine (target: at most 1.5x). One client: this is what the API
    adds to a call; under 8 clients a request also waits for the others' share of the cores.
  - throughput: 8 concurrent API clients (the workers batch their requests) vs the direct
    calls one at a time (target: at least 2x). The clients are `wrk`'s 8 keep-alive
    connections (C, event-driven, as in bench/scale.py): on 2 cores, Python clients would
    take CPU time the hub needs. The hub's 2 worker processes have both cores; so would a
    second direct process, which is why the line after shows what the 8 clients get over
    the same API called one at a time.
Run it on PostgreSQL + Redis as production does:

    HUB_DATABASE_URL=postgres://postgres@127.0.0.1:5432/minihub \\
    HUB_BROKER_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m bench.inference [--smoke]
"""

import os

os.environ.update(HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_PROGRESS_BARS="1",
                  HF_HUB_DISABLE_XET="1")  # fmt: skip

import shutil  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx2 as httpx  # noqa: E402
import torch  # noqa: E402
from huggingface_hub import HfApi  # noqa: E402
from transformers import BertConfig, BertForSequenceClassification, pipeline  # noqa: E402

from bench.common import live_hub, parser, run_wrk, verdict  # noqa: E402
from tests.inference.tiny import wordpiece  # noqa: E402
from tests.live import wait_until  # noqa: E402

CLIENTS = 8
WORKERS = 2  # the worker processes `manage.py serve` starts (HUB_WORKER_CONCURRENCY)
LATENCY_TARGET = 1.5
THROUGHPUT_TARGET = 2.0
TEXT = "the quick brown fox jumps over the lazy dog while paris is the capital of {n}"
# Each of wrk's requests asks about another number, as the Python clients do.
WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0

function request()
   n = n + 1
   return wrk.format(nil, nil, nil, string.format('{"inputs": "TEXT"}', n))
end
""".replace("TEXT", TEXT.replace("{n}", "%d"))


def make_model(folder: Path, hidden: int, layers: int) -> Path:
    size = {"hidden_size": hidden, "num_hidden_layers": layers, "num_attention_heads": 2,
            "intermediate_size": 4 * hidden}  # fmt: skip
    torch.manual_seed(0)
    tokenizer = wordpiece()
    config = BertConfig(vocab_size=len(tokenizer), max_position_embeddings=128,
                        id2label={0: "NEGATIVE", 1: "POSITIVE"},
                        label2id={"NEGATIVE": 0, "POSITIVE": 1}, **size)  # fmt: skip
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / "README.md").write_text("---\npipeline_tag: text-classification\n---\n")
    return folder


def direct_call(pipe, n: int) -> float:
    """Seconds of one call to the pipeline in this process."""
    started = time.perf_counter()
    pipe(TEXT.format(n=n), top_k=None)
    return time.perf_counter() - started


def api_call(client: httpx.Client, url: str, n: int) -> float:
    started = time.perf_counter()
    answer = client.post(url, json={"inputs": TEXT.format(n=n)})
    answer.raise_for_status()
    return time.perf_counter() - started


def api_calls(client: httpx.Client, url: str, count: int, offset: int = 0) -> list[float]:
    return [api_call(client, url, n) for n in range(offset, offset + count)]


def alternate(pipe, client: httpx.Client, url: str, count: int) -> tuple[list, list]:
    """`count` direct and `count` API calls, taking turns: load drifts hit both alike."""
    pairs = [(direct_call(pipe, n), api_call(client, url, n)) for n in range(count)]
    return [pair[0] for pair in pairs], [pair[1] for pair in pairs]


def api_throughput(hub, token: str, url: str, per_client: int) -> float:
    """Requests per second with CLIENTS clients each sending `per_client` requests."""
    headers = {"Authorization": f"Bearer {token}", "X-Wait-For-Model": "true"}
    clients = [httpx.Client(base_url=hub.url, headers=headers, timeout=120)
               for _ in range(CLIENTS)]  # fmt: skip
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(lambda i: api_calls(clients[i], url, per_client, i * 1000), range(CLIENTS)))
    elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    return CLIENTS * per_client / elapsed


def wrk_throughput(hub, url: str, seconds: int) -> float:
    """Requests per second from wrk's CLIENTS connections; every answer must be a success."""
    requests, seconds_taken = run_wrk(WRK_SCRIPT, [
        "--threads", "2", "--connections", str(CLIENTS), "--duration", f"{seconds}s",
        "--timeout", "60s", "--header", f"Authorization: Bearer {hub.token}",
        "--header", "X-Wait-For-Model: true", f"{hub.url}{url}",
    ])  # fmt: skip
    return requests / seconds_taken


def warm(hub, url: str) -> bool:
    """Sends a burst of requests; true once every worker process has loaded the model."""
    api_throughput(hub, hub.token, url, 1)
    return "".join(hub.output).count(f"loaded {url.removeprefix('/models/')}@") >= WORKERS


def main() -> None:
    arguments = parser(__doc__.splitlines()[0])
    arguments.add_argument("--hidden", type=int, default=512, help="the model's hidden size")
    arguments.add_argument("--layers", type=int, default=6, help="the model's layers")
    options = arguments.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench.inference needs wrk (the HTTP load generator): run `make system-deps`")
    if options.smoke:
        options.hidden, options.layers = 32, 2
    count = 8 if options.smoke else 200
    with (
        tempfile.TemporaryDirectory() as workdir,
        live_hub(Path(workdir), HUB_INFERENCE_RATE_LIMIT_PER_MINUTE="0") as hub,
    ):
        folder = make_model(Path(workdir) / "model", options.hidden, options.layers)
        api = HfApi(endpoint=hub.url, token=hub.token)
        repo_id = api.create_repo("alice/bench-classifier").repo_id
        api.upload_folder(folder_path=folder, repo_id=repo_id)
        url = f"/models/{repo_id}"
        # The same pipeline as the workers run: on as many torch threads as each of them.
        torch.set_num_threads(int(os.environ.get("HUB_INFERENCE_THREADS", "1")))
        pipe = pipeline("text-classification", model=str(folder))
        headers = {"Authorization": f"Bearer {hub.token}", "X-Wait-For-Model": "true"}
        with httpx.Client(base_url=hub.url, headers=headers, timeout=120) as client:
            wait_until(lambda: warm(hub, url), timeout=300, message="every worker to load")
            alternate(pipe, client, url, 5)
            direct, through_api = alternate(pipe, client, url, count)
        direct_rate = len(direct) / sum(direct)
        api_rate = wrk_throughput(hub, url, 2 if options.smoke else 15)
    p50_direct, p50_api = statistics.median(direct), statistics.median(through_api)
    latency, throughput = p50_api / p50_direct, api_rate / direct_rate
    api_one_rate = len(through_api) / sum(through_api)
    print(f"text-classification, BERT hidden {options.hidden} x {options.layers} layers "
          f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f})")  # fmt: skip
    print(f"  p50 latency: direct {p50_direct * 1000:.1f} ms, API {p50_api * 1000:.1f} ms")
    print(f"  throughput: direct one at a time {direct_rate:.1f}/s, "
          f"API with {CLIENTS} clients {api_rate:.1f}/s")  # fmt: skip
    print(f"  the API with {CLIENTS} clients vs one client at a time ({api_one_rate:.1f}/s): "
          f"{api_rate / api_one_rate:.2f}x")  # fmt: skip
    print(f"ratio {latency:.2f}x direct p50 latency (target <= {LATENCY_TARGET}x): "
          f"{verdict(latency <= LATENCY_TARGET)}")  # fmt: skip
    ok = throughput >= THROUGHPUT_TARGET
    print(f"ratio {throughput:.2f}x direct one-at-a-time throughput "
          f"(target >= {THROUGHPUT_TARGET}x): {verdict(ok)}")  # fmt: skip


if __name__ == "__main__":
    main()
