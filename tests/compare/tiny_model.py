"""Two revisions of a real tiny model: a BERT classifier with random weights saved by
transformers, then a second version with changed weights, a reshaped, a retyped, an added and
a removed tensor, changed config keys and an edited card."""

import json
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import load_file, save_file
from transformers import BertConfig, BertForSequenceClassification

WEIGHTS = "model.safetensors"
CHANGED = "bert.embeddings.word_embeddings.weight"
ALSO_CHANGED = "bert.pooler.dense.weight"
RESHAPED = "classifier.weight"
RETYPED = "classifier.bias"
ADDED = "extra.scale"
REMOVED = "bert.pooler.dense.bias"
CARD_V1 = "---\nlicense: mit\n---\n# Tiny\n\nA tiny classifier.\n"
CARD_V2 = "---\nlicense: mit\n---\n# Tiny\n\nA tiny classifier, now with three labels.\n"


@dataclass(frozen=True)
class Revisions:
    v1: Path
    v2: Path

    def tensors(self, version: str) -> dict[str, np.ndarray]:
        return load_file(getattr(self, version) / WEIGHTS)


@cache
def revisions() -> Revisions:
    """Built once per test process (torch's import is the slow part)."""
    root = Path(tempfile.mkdtemp(prefix="tiny-compare-"))
    v1, v2 = root / "v1", root / "v2"
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=20, max_position_embeddings=32,
        id2label={0: "NEGATIVE", 1: "POSITIVE"}, label2id={"NEGATIVE": 0, "POSITIVE": 1},
    )  # fmt: skip
    BertForSequenceClassification(config).save_pretrained(v1)
    (v1 / "README.md").write_text(CARD_V1)
    (v1 / "generation_config.json").write_text(json.dumps({"max_length": 20}))
    shutil.copytree(v1, v2)
    _edit_weights(v1 / WEIGHTS, v2 / WEIGHTS)
    _edit_config(v2 / "config.json")
    (v2 / "README.md").write_text(CARD_V2)
    (v2 / "generation_config.json").unlink()
    return Revisions(v1, v2)


def _edit_weights(source: Path, target: Path) -> None:
    tensors = load_file(source)
    changed = tensors[CHANGED].copy()
    changed[3, 5] += 0.5
    changed[7, 1] *= -3.0
    tensors[CHANGED] = changed
    tensors[ALSO_CHANGED] = tensors[ALSO_CHANGED] * np.float32(1.01)
    tensors[RESHAPED] = np.concatenate([tensors[RESHAPED], np.ones((1, 16), np.float32)])
    tensors[RETYPED] = tensors[RETYPED].astype(np.float16)
    tensors[ADDED] = np.arange(4, dtype=np.float32)
    del tensors[REMOVED]
    save_file(tensors, target, metadata={"format": "pt"})


def _edit_config(path: Path) -> None:
    config = json.loads(path.read_text())
    config["hidden_dropout_prob"] = 0.2
    config["id2label"] = {"0": "NEGATIVE", "1": "NEUTRAL", "2": "POSITIVE"}
    del config["classifier_dropout"]
    path.write_text(json.dumps(config, indent=2))


def expected_stats(revisions: Revisions, name: str) -> tuple[int, float, float]:
    """(changed elements, largest absolute change, largest relative change) by numpy, whole."""
    old = revisions.tensors("v1")[name].astype(np.float64)
    new = revisions.tensors("v2")[name].astype(np.float64)
    delta = np.abs(new - old)
    nonzero = old != 0
    return (
        int(np.count_nonzero(old != new)),
        float(delta.max()),
        float((delta[nonzero] / np.abs(old[nonzero])).max()),
    )
