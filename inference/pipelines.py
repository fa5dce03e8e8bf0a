"""Worker side: a model's files at one commit, loaded once per worker process and cached.

A snapshot directory per (repo storage id, commit) under HUB_DATA_DIR/inference/snapshots
holds the repo's files: regular files written from git, LFS files hard-linked (or, across
file systems, symlinked) from the blob store, so weights are never copied. Nothing is
fetched from a network (worker processes run with HF_HUB_OFFLINE=1) and no repository code
runs (`trust_remote_code` stays off).
"""

import gc
import logging
import os
import shutil
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import transformers
from django.conf import settings
from safetensors import SafetensorError, safe_open

from inference.errors import (
    ModelLoadFailed,
    ModelTooLarge,
    PickledWeightsRefused,
    WeightsCorrupt,
    WeightsMissing,
)
from registry.models import Repo
from registry.repofiles import RepoFile, repo_files_at

log = logging.getLogger(__name__)
transformers.utils.logging.disable_progress_bar()
# Several worker processes share the cores: a thread pool each would make every operator
# wait for a core another process holds (measured: 10x slower small models under load).
torch.set_num_threads(settings.HUB_INFERENCE_THREADS)

# A model's files that hold weights; anything pickled is refused unless the operator allows it.
_SAFE_WEIGHTS = ".safetensors"
_PICKLED_WEIGHTS = (".bin", ".pt", ".pth", ".ckpt", ".pkl")
# A malformed config.json or checkpoint surfaces as whichever of these the model class raises.
LOAD_ERRORS = (OSError, ValueError, RuntimeError, KeyError, AttributeError, TypeError)
# How fast a worker is assumed to load weights, for the `estimated_time` of a 503, and what
# a process's first load adds (importing torch and the model code).
_LOAD_BYTES_PER_SECOND = 200 * 1024 * 1024
_FIRST_LOAD_SECONDS = 5.0


@dataclass(frozen=True)
class ModelRef:
    storage_id: str
    sha: str
    load: str  # a transformers pipeline task, "question-answering" or "seq2seq"
    repo_id: str  # for messages only: the cache is keyed by storage id and commit

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.storage_id, self.sha, self.load)


@dataclass
class Loaded:
    model: Any  # a transformers Pipeline, or (model, tokenizer) for our own runners
    nbytes: int


def _quiet(estimated_time: float) -> None:
    pass


class PipelineCache:
    """Loaded models, least recently used out, within a byte budget (one per process)."""

    def __init__(self, budget: int):
        self.budget = budget
        self._items: OrderedDict[tuple, Loaded] = OrderedDict()
        self._failures: OrderedDict[tuple, Exception] = OrderedDict()
        self._loaded_before = False

    def peek(self, ref: ModelRef) -> Loaded | None:
        return self._items.get(ref.key)

    def get(self, ref: ModelRef, *, on_load: Callable[[float], None] = _quiet) -> Loaded:
        """The loaded model; loads it (evicting others) on a miss. Raises its load error.

        `on_load` hears the estimated seconds just before an actual load starts.
        """
        if ref.key in self._items:
            self._items.move_to_end(ref.key)
            return self._items[ref.key]
        if ref.key in self._failures:
            # A commit never changes, so a model that failed to load fails again: say so at once.
            raise self._failures[ref.key]
        try:
            loaded = self._load(ref, on_load)
        except (ModelLoadFailed, WeightsMissing, WeightsCorrupt, PickledWeightsRefused,
                ModelTooLarge) as exc:  # fmt: skip
            self._failures[ref.key] = exc
            while len(self._failures) > 256:
                self._failures.popitem(last=False)
            raise
        self._items[ref.key] = loaded
        return loaded

    def _load(self, ref: ModelRef, on_load: Callable[[float], None]) -> Loaded:
        folder, weights = snapshot(ref)
        needed = sum(size for _, size in weights)
        if needed > self.budget:
            raise ModelTooLarge(
                f"Model {ref.repo_id} needs about {needed // 2**20} MiB, more than this hub's "
                f"inference memory (HUB_INFERENCE_MEMORY_MB={self.budget // 2**20})"
            )
        self._evict(self.budget - needed)
        first = 0.0 if self._items or self._loaded_before else _FIRST_LOAD_SECONDS
        on_load(round(1.0 + first + needed / _LOAD_BYTES_PER_SECOND, 1))
        self._loaded_before = True
        started = time.monotonic()
        model = load_model(ref, folder, safetensors=weights[0][0].endswith(_SAFE_WEIGHTS))
        loaded = Loaded(model=model, nbytes=max(needed, _model_bytes(model)))
        log.info("loaded %s@%s for %s in %.2fs (%d MiB)", ref.repo_id, ref.sha[:10], ref.load,
                 time.monotonic() - started, loaded.nbytes // 2**20)  # fmt: skip
        return loaded

    def _evict(self, room: int) -> None:
        evicted = False
        while self._items and sum(item.nbytes for item in self._items.values()) > room:
            key, _ = self._items.popitem(last=False)
            log.info("evicted %s@%s from the inference cache", key[0], key[1][:10])
            evicted = True
        if evicted:
            gc.collect()


_cache: PipelineCache | None = None


def cache() -> PipelineCache:
    global _cache
    if _cache is None:
        _cache = PipelineCache(settings.HUB_INFERENCE_MEMORY_MB * 2**20)
    return _cache


# -- snapshots ------------------------------------------------------------------------------


def snapshot(ref: ModelRef) -> tuple[Path, list[tuple[str, int]]]:
    """The snapshot directory and the weight files to load, as (path, size), largest first."""
    files = repo_files_at(repo=Repo.objects.get(storage_id=ref.storage_id), sha=ref.sha)
    needed = [path for path in files.missing if _is_weight(path) or path.endswith(".json")]
    if needed:
        raise WeightsMissing(
            f"Model {ref.repo_id}: the bytes of {needed[0]} are missing from the blob store"
        )
    weights = _weights_to_load(ref, files.files)
    folder = settings.HUB_DATA_DIR / "inference" / "snapshots" / ref.storage_id / ref.sha
    if not folder.is_dir():
        _materialize(files.files, folder)
    return folder, weights


def _is_weight(path: str) -> bool:
    return path.endswith(_SAFE_WEIGHTS) or path.endswith(_PICKLED_WEIGHTS)


def _weights_to_load(ref: ModelRef, owned: list[RepoFile]) -> list[tuple[str, int]]:
    files = [file for file in owned if "/" not in file.path]
    safe = [(e.path, e.size) for e in files if e.path.endswith(_SAFE_WEIGHTS)]
    pickled = [(e.path, e.size) for e in files if e.path.endswith(_PICKLED_WEIGHTS)]
    if safe:
        return sorted(safe, key=lambda item: -item[1])
    if not pickled:
        raise WeightsMissing(
            f"Model {ref.repo_id} has no weights at {ref.sha[:10]}: "
            "expected model.safetensors (or sharded *.safetensors)"
        )
    if not settings.HUB_INFERENCE_ALLOW_PICKLE:
        raise PickledWeightsRefused(
            f"Model {ref.repo_id} has only pickled weights ({pickled[0][0]}); this hub loads "
            "pickled weights only when HUB_INFERENCE_ALLOW_PICKLE is true. "
            "Convert them to safetensors."
        )
    return sorted(pickled, key=lambda item: -item[1])


def _materialize(files: list[RepoFile], folder: Path) -> None:
    """Builds the snapshot aside, then renames it into place: concurrent workers agree.

    A file whose bytes the repo does not own is not in `files`: a model that needs it fails
    to load, as it would with the file missing.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".building-"))
    try:
        for file in files:
            _place(file, building / file.path)
        os.rename(building, folder)
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
        if not folder.is_dir():  # another worker won the rename: theirs is as good
            raise


def _place(file: RepoFile, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if file.lfs is None:
        with target.open("wb") as handle:
            for chunk in file.chunks():
                handle.write(chunk)
        return
    source = file.local_path()
    if not source.is_file():
        return  # the weight files were checked before; a stray missing file stays out
    try:
        os.link(source, target)
    except OSError:
        target.symlink_to(source)


# -- loading --------------------------------------------------------------------------------


def load_model(ref: ModelRef, folder: Path, *, safetensors: bool) -> Any:
    """A pipeline (or model and tokenizer) from `folder`; clear errors for bad files."""
    if safetensors:
        _check_safetensors(ref, folder)
    options = {"trust_remote_code": False, "use_safetensors": safetensors}
    try:
        if ref.load == "question-answering":
            return _model_and_tokenizer(transformers.AutoModelForQuestionAnswering, folder, options)
        if ref.load == "seq2seq":
            return _model_and_tokenizer(transformers.AutoModelForSeq2SeqLM, folder, options)
        pipe = transformers.pipeline(
            ref.load, model=str(folder), device="cpu", trust_remote_code=False,
            model_kwargs={"use_safetensors": safetensors},
        )  # fmt: skip
    except (*LOAD_ERRORS, SafetensorError) as exc:
        raise ModelLoadFailed(
            f"Cannot load {ref.repo_id} at {ref.sha[:10]} for {ref.load}: "
            f"{type(exc).__name__}: {_first_line(exc)}"
        ) from None
    if ref.load == "text-generation":
        # Decoder-only models continue the prompt's last token: pad batches on the left.
        pipe.tokenizer.padding_side = "left"
    return pipe


def _model_and_tokenizer(auto_class, folder: Path, options: dict) -> tuple[Any, Any]:
    model = auto_class.from_pretrained(str(folder), **options).eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder), trust_remote_code=False)
    return model, tokenizer


def _check_safetensors(ref: ModelRef, folder: Path) -> None:
    for path in sorted(folder.glob(f"*{_SAFE_WEIGHTS}")):
        try:
            with safe_open(str(path), framework="pt") as handle:
                handle.keys()
        except (SafetensorError, OSError) as exc:
            raise WeightsCorrupt(
                f"Model {ref.repo_id}: {path.name} at {ref.sha[:10]} is not a readable "
                f"safetensors file ({_first_line(exc)})"
            ) from None


def _model_bytes(model: Any) -> int:
    module = model[0] if isinstance(model, tuple) else model.model
    tensors = [*module.parameters(), *module.buffers()]
    return sum(tensor.numel() * tensor.element_size() for tensor in tensors)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
