"""Evaluation throughput: a text-classification job run by the hub's worker against the same
pipeline called over the same rows in this process.

Pushes a BERT-shaped classifier (random weights) and a dataset of N reviews, warms both worker
processes with a small job each (not with --smoke), then measures, best of --rounds:
  - the job: examples / (finished_at - started_at) as the worker records it, which includes
    loading the model and the dataset from the hub's storage, every batch, the progress
    writes and the metrics (reruns of one job, so the deduplication does not skip them);
  - the baseline: examples / the time of `pipe(texts, batch_size=HUB_EVAL_BATCH_SIZE)` with
    the pipeline already loaded.
Target: the job reaches at least 0.8x the baseline. Run it on PostgreSQL + Redis as
production does:

    HUB_DATABASE_URL=postgres://postgres@127.0.0.1:5432/minihub \\
    HUB_BROKER_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m bench.evaluation [--smoke]
"""

import os

os.environ.update(
    HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_PROGRESS_BARS="1", HF_HUB_DISABLE_XET="1"
)

import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx2 as httpx  # noqa: E402
import torch  # noqa: E402
from datasets import ClassLabel, Dataset, Features, Value  # noqa: E402
from huggingface_hub import HfApi  # noqa: E402
from transformers import BertConfig, BertForSequenceClassification, pipeline  # noqa: E402

from bench.common import live_hub, parser, verdict  # noqa: E402
from tests.inference.tiny import wordpiece  # noqa: E402
from tests.live import wait_until  # noqa: E402

TARGET = 0.8
BATCH = 32
TEXT = "the film was long but the actors in paris were great and i loved it, review {n}. "


def make_model(folder: Path, smoke: bool) -> Path:
    hidden, layers = (32, 2) if smoke else (256, 4)
    torch.manual_seed(0)
    tokenizer = wordpiece()
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=4 * hidden,
        max_position_embeddings=128,
        id2label={0: "negative", 1: "positive"},
        label2id={"negative": 0, "positive": 1},
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / "README.md").write_text("---\npipeline_tag: text-classification\n---\n")
    return folder


def make_dataset(folder: Path, rows: int) -> list[str]:
    texts = [TEXT.format(n=n) * 3 for n in range(rows)]
    features = Features(text=Value("string"), label=ClassLabel(names=["negative", "positive"]))
    (folder / "data").mkdir(parents=True)
    Dataset.from_dict({"text": texts, "label": [n % 2 for n in range(rows)]}, features).to_parquet(
        str(folder / "data" / "test-00000-of-00001.parquet")
    )
    return texts


def _seconds(job: dict) -> float:
    started, done = (
        datetime.fromisoformat(job[k].replace("Z", "+00:00")) for k in ("started_at", "finished_at")
    )
    return (done - started).total_seconds()


def run_job(client: httpx.Client, path: str, body: dict | None = None) -> tuple[dict, float]:
    """Posts a job (or a rerun), waits for it; the job and the seconds the client waited."""
    started = time.perf_counter()
    answer = client.post(path, json=body)
    answer.raise_for_status()
    return wait_job(client, answer.json()["id"]), time.perf_counter() - started


def wait_job(client: httpx.Client, job_id: int) -> dict:
    job = wait_until(
        lambda: (
            (j := client.get(f"/api/evaluations/{job_id}").json())["state"]
            not in ("queued", "running")
            and j
        ),
        timeout=1800,
        interval=0.5,  # polling costs the worker CPU on a small machine
        message=f"evaluation job {job_id}",
    )
    if job["state"] != "succeeded":
        raise RuntimeError(f"job {job_id} {job['state']}: {job['error']}\n{job['logs']}")
    return job


def main() -> None:
    options = parser(__doc__.splitlines()[0]).parse_args()
    rows = 64 if options.smoke else 4000
    rounds = 1 if options.smoke else options.rounds
    with tempfile.TemporaryDirectory() as workdir, live_hub(Path(workdir)) as hub:
        folder, data = make_model(Path(workdir) / "model", options.smoke), Path(workdir) / "data"
        texts = make_dataset(data, rows)
        api = HfApi(endpoint=hub.url, token=hub.token)
        model = api.create_repo("alice/bench-classifier").repo_id
        api.upload_folder(folder_path=folder, repo_id=model)
        dataset = api.create_repo("alice/bench-reviews", repo_type="dataset").repo_id
        api.upload_folder(folder_path=data, repo_id=dataset, repo_type="dataset")
        pipe = pipeline("text-classification", model=str(folder))
        pipe(texts[:BATCH], batch_size=BATCH, truncation=True)
        headers = {"Authorization": f"Bearer {hub.token}"}
        body = {"model": model, "dataset": dataset, "metrics": ["accuracy"]}
        with httpx.Client(base_url=hub.url, headers=headers, timeout=120) as client:
            # Both worker processes import torch and load the model once, as a busy hub has.
            warm = [
                client.post("/api/evaluations", json={**body, "limit": 8, "seed": s}).json()
                for s in ((1, 2) if not options.smoke else ())
            ]
            for job in warm:
                wait_job(client, job["id"])
            first, first_wait = run_job(client, "/api/evaluations", body)
            direct, jobs, waits = [], [_seconds(first)], [first_wait]
            threads = first["environment"]["torch_threads"]
            for _ in range(rounds):
                started = time.perf_counter()
                pipe(texts, batch_size=BATCH, truncation=True)
                direct.append(time.perf_counter() - started)
                job, wait = run_job(client, f"/api/evaluations/{first['id']}/rerun")
                jobs.append(_seconds(job))
                waits.append(wait)
    direct_rate, job_rate = rows / min(direct), rows / min(jobs)
    ratio = job_rate / direct_rate
    size = "tiny" if options.smoke else "h256x4"
    print(
        f"text-classification, BERT {size}, {rows} examples, batch {BATCH} "
        f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f})"
    )
    print(
        f"  direct pipeline: {direct_rate:.1f} examples/s (best of {rounds}, "
        f"{torch.get_num_threads()} torch threads)"
    )
    print(
        f"  evaluation job:  {job_rate:.1f} examples/s as the worker timed it (best of "
        f"{len(jobs)}; first job {rows / jobs[0]:.1f}/s), "
        f"{rows / min(waits):.1f}/s from submit to result, {threads} torch threads"
    )
    print(
        f"ratio {ratio:.2f}x direct pipeline throughput (target >= {TARGET}x): "
        f"{verdict(ratio >= TARGET)}"
    )


if __name__ == "__main__":
    main()
