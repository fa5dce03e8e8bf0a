"""Fine-tune throughput: the fine-tune program run as a Job runs it against the same Trainer
run directly in this process on the same data.

Pushes a BERT-shaped classifier (random weights) and a dataset of N reviews to a live hub,
then measures, best of --rounds, alternating:
  - the program: a fresh interpreter with HF_ENDPOINT and HF_TOKEN, which loads the model and
    the dataset from the hub, trains, evaluates and pushes; its training samples/s as the
    Trainer times its own run (with the program's progress lines), and, for information, the
    samples/s of the whole run from start to pushed repo;
  - the baseline: the same model and rows read from local files, the same features, collator
    and TrainingArguments, `Trainer.train()` called here.
Target: the program trains at least 0.8x as fast as the direct Trainer.

    .venv/bin/python -m bench.finetune [--smoke] [--rounds 3]
"""

import os

os.environ.update(
    HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_PROGRESS_BARS="1", TOKENIZERS_PARALLELISM="false"
)

import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402
from datasets import ClassLabel, Dataset, Features, Value, load_dataset  # noqa: E402
from huggingface_hub import HfApi  # noqa: E402
from transformers import AutoTokenizer, Trainer  # noqa: E402

from bench.common import live_hub, parser, race, verdict  # noqa: E402
from bench.evaluation import TEXT, make_model  # noqa: E402
from finetune import program  # noqa: E402
from tests.contract.helpers import client_env  # noqa: E402
from tests.live import ROOT  # noqa: E402

TARGET = 0.8
BATCH = 16


def make_dataset(folder: Path, rows: int) -> Path:
    features = Features(text=Value("string"), label=ClassLabel(names=["negative", "positive"]))
    (folder / "data").mkdir(parents=True)
    for split, count in (("train", rows), ("validation", 16)):
        data = {
            "text": [TEXT.format(n=n) for n in range(count)],
            "label": [n % 2 for n in range(count)],
        }
        Dataset.from_dict(data, features).to_parquet(str(folder / "data" / f"{split}.parquet"))
    return folder


def direct(settings: program.Settings, model: Path, data: Path, workdir: Path) -> float:
    """The same Trainer on the same rows, in this process; its training seconds."""
    splits = load_dataset(
        "parquet",
        data_files={s: str(data / "data" / f"{s}.parquet") for s in ("train", "validation")},
    )
    local = program.Settings(**{**vars(settings), "base_model": str(model)})
    tokenizer = AutoTokenizer.from_pretrained(model)
    prepared = program.prepare(local, tokenizer, splits["train"], splits["validation"])
    trainer = Trainer(
        model=prepared.model,
        args=program.training_arguments(settings.hyperparameters, str(workdir / "direct")),
        train_dataset=prepared.train,
        data_collator=prepared.collator,
        processing_class=tokenizer,
    )
    return trainer.train().metrics["train_runtime"]


def job(hub, params: dict, home: Path) -> tuple[float, float]:
    """The program as a Job runs it: (its training seconds, its whole run's seconds)."""
    home.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "finetune.program"],
        cwd=ROOT,
        env=client_env(hub, hub.token, home, FINETUNE_PARAMS=json.dumps(params)),
        capture_output=True,
        text=True,
        timeout=3600,
    )
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        raise RuntimeError(f"fine-tune failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    result = json.loads(run.stdout.strip().splitlines()[-1].removeprefix("finetune-result "))
    return result["train_seconds"], elapsed


def main() -> None:
    options = parser(__doc__.splitlines()[0]).parse_args()
    rows = 64 if options.smoke else 1000
    rounds = 1 if options.smoke else options.rounds
    with tempfile.TemporaryDirectory() as tmp, live_hub(Path(tmp)) as hub:
        workdir = Path(tmp)
        model = make_model(workdir / "model", options.smoke)
        data = make_dataset(workdir / "data", rows)
        api = HfApi(endpoint=hub.url, token=hub.token)
        base = api.create_repo("alice/bench-base").repo_id
        api.upload_folder(folder_path=model, repo_id=base)
        dataset = api.create_repo("alice/bench-reviews", repo_type="dataset").repo_id
        api.upload_folder(folder_path=data, repo_id=dataset, repo_type="dataset")
        params = {"base_model": base, "dataset": dataset, "task": "text-classification",
                  "output_repo": "alice/bench-tuned", "max_eval_samples": 16,
                  "hyperparameters": {"batch_size": BATCH, "max_length": 64}}  # fmt: skip
        settings = program.settings_from(params)
        wholes: list[float] = []

        def subject(number: int) -> float:
            training, whole = job(hub, params, workdir / f"job-{number}")
            wholes.append(whole)
            return training

        baseline_seconds, job_seconds = race(
            rounds, lambda n: direct(settings, model, data, workdir), subject
        )
    direct_rate, job_rate = rows / baseline_seconds, rows / job_seconds
    ratio = job_rate / direct_rate
    size = "tiny" if options.smoke else "h256x4"
    print(
        f"text-classification fine-tune, BERT {size}, {rows} examples, 1 epoch, batch {BATCH} "
        f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f})"
    )
    print(
        f"  direct Trainer: {direct_rate:.1f} samples/s (best of {rounds}, "
        f"{torch.get_num_threads()} torch threads)"
    )
    print(
        f"  fine-tune job:  {job_rate:.1f} samples/s training as the Trainer timed it (best of "
        f"{rounds}); {rows / min(wholes):.1f}/s from start to pushed repo"
    )
    print(
        f"ratio {ratio:.2f}x direct Trainer throughput (target >= {TARGET}x): "
        f"{verdict(ratio >= TARGET)}"
    )


if __name__ == "__main__":
    main()
