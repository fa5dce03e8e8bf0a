"""Runs one evaluation job in a worker process: model and data from the hub's own storage,
batches through the model, metrics at the end. Reproducible: seeded, deterministic torch."""

import importlib.metadata
import platform
import random
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import torch
from django.conf import settings

from evaluation.errors import EvaluationFailed
from evaluation.models import EvaluationJob
from evaluation.worker import data, predict

# What a bad row or a model that cannot take it raises inside a model call.
_MODEL_ERRORS = (RuntimeError, ValueError, TypeError, KeyError, IndexError)
_LIBRARIES = (
    "torch",
    "transformers",
    "tokenizers",
    "safetensors",
    "datasets",
    "pyarrow",
    "numpy",
    "scikit-learn",
    "sacrebleu",
    "rouge-score",
    "seqeval",
    "minihub",
)


@dataclass
class Outcome:
    results: dict[str, float]
    samples: list[dict]
    environment: dict
    total: int


def execute(
    job: EvaluationJob, *, progress: Callable[[int, int], None], log: Callable[[str], None]
) -> Outcome:
    """Evaluates `job`; `progress(done, total)` after each batch may raise to stop it."""
    from inference import pipelines

    started = time.monotonic()
    ref = pipelines.ModelRef(
        storage_id=str(job.model_repo.storage_id),
        sha=job.model_sha,
        load=predict.LOADS[job.task],
        repo_id=job.model_repo.repo_id,
    )
    loaded = pipelines.cache().get(ref).model
    log(f"model {ref.repo_id}@{job.model_sha[:10]} ready in {time.monotonic() - started:.1f}s")
    rows = _rows(job)
    log(
        f"dataset {job.dataset_repo.repo_id}@{job.dataset_sha[:10]} {job.config}/{job.split}: "
        f"{len(rows)} examples"
    )
    batch_size = settings.HUB_EVAL_BATCH_SIZE
    with reproducible(job.seed), torch.inference_mode():
        evaluator = predict.evaluator(job.task, loaded, job.columns, rows)
        progress(0, len(rows))
        for start in range(0, len(rows), batch_size):
            _step(evaluator, rows, start, batch_size)
            progress(min(start + batch_size, len(rows)), len(rows))
        results = evaluator.results()
        used = environment(batch_size)
    return Outcome(
        results={name: results[name] for name in job.metrics},
        samples=evaluator.samples,
        environment=used,
        total=len(rows),
    )


def _rows(job: EvaluationJob):
    repo = job.dataset_repo
    folder = data.snapshot(
        storage_id=str(repo.storage_id), sha=job.dataset_sha, repo_id=repo.repo_id
    )
    dataset = data.load(folder=folder, repo_id=repo.repo_id, config=job.config, split=job.split)
    rows = data.select(
        dataset, columns=job.columns, limit=job.limit, seed=job.seed, repo_id=repo.repo_id
    )
    if len(rows) == 0:
        raise EvaluationFailed(f"Split {job.split} of {repo.repo_id} has no examples")
    return rows


def _step(evaluator: predict.Evaluator, rows, start: int, size: int) -> None:
    try:
        evaluator.step(rows[start : start + size])
    except _MODEL_ERRORS as exc:
        text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else repr(exc)
        raise EvaluationFailed(
            f"The model failed on examples {start}-{start + size - 1}: {type(exc).__name__}: {text}"
        ) from None


@contextmanager
def reproducible(seed: int):
    """Seeds every generator, makes torch pick deterministic kernels and gives it
    HUB_EVAL_THREADS threads for the block; the process gets its settings back after."""
    deterministic, threads = torch.are_deterministic_algorithms_enabled(), torch.get_num_threads()
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.set_num_threads(settings.HUB_EVAL_THREADS)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(deterministic)
        torch.set_num_threads(threads)


def environment(batch_size: int) -> dict:
    return {
        "libraries": library_versions(),
        "code": code_version(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch_threads": torch.get_num_threads(),
        "batch_size": batch_size,
        "max_new_tokens": predict.MAX_NEW_TOKENS,
    }


@cache
def library_versions() -> dict[str, str]:
    found = {}
    for name in _LIBRARIES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


@cache
def code_version() -> str:
    """A hash of the evaluation code itself: equal hashes ran the same code."""
    import hashlib

    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted([*root.glob("*.py"), *root.glob("worker/*.py")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
