"""Tiny datasets for fine-tunes, pushing with the stock client, and running the program as a
Job runs it."""

import json
import subprocess
import sys
from pathlib import Path

from datasets import ClassLabel, Dataset, Features, List, Value
from huggingface_hub import HfApi

from tests.contract.helpers import client_env
from tests.inference.tiny import LINES
from tests.live import ROOT, LiveHub

PROGRAM = ROOT / "finetune" / "program.py"
REVIEWS = [
    ("i love this movie it is great", "pos"),
    ("this film is terrible and boring", "neg"),
    ("the actors were great and i loved it", "pos"),
    ("a boring and terrible story", "neg"),
]


def push_folder(api: HfApi, repo_id: str, folder: Path, repo_type: str = "model") -> str:
    """Creates the repo and uploads the folder with the stock client; the repo id."""
    repo_id = api.create_repo(repo_id, repo_type=repo_type).repo_id
    api.upload_folder(folder_path=folder, repo_id=repo_id, repo_type=repo_type)
    return repo_id


def reviews_dataset(folder: Path, *, text_column: str = "text") -> Path:
    """Sentiment rows with a ClassLabel column, in train and validation parquet files."""
    features = Features({text_column: Value("string"), "label": ClassLabel(names=["neg", "pos"])})
    (folder / "data").mkdir(parents=True)
    for split, repeat in (("train", 6), ("validation", 1)):
        rows = REVIEWS * repeat
        data = {text_column: [t for t, _ in rows], "label": [int(s == "pos") for _, s in rows]}
        Dataset.from_dict(data, features).to_parquet(
            str(folder / "data" / f"{split}-00000-of-00001.parquet")
        )
    return folder


def lines_dataset(folder: Path) -> Path:
    """Plain text in one train split: the held-out rows are a seeded slice of it."""
    (folder / "data").mkdir(parents=True)
    Dataset.from_dict({"text": LINES * 4}).to_parquet(str(folder / "data" / "train.parquet"))
    return folder


def run_program(
    hub: LiveHub, token: str, home: Path, params: dict, *, as_file: bool = False
) -> subprocess.CompletedProcess:
    """The program in a fresh interpreter as a Job runs it: HF_ENDPOINT and HF_TOKEN only.

    As a module with the parameters in a file, or (as_file) the file alone with the
    parameters in $FINETUNE_PARAMS, as a script copied into a job would run.
    """
    home.mkdir(parents=True, exist_ok=True)
    if as_file:
        command, extra = [sys.executable, str(PROGRAM)], {"FINETUNE_PARAMS": json.dumps(params)}
    else:
        (home / "params.json").write_text(json.dumps(params))
        command, extra = [sys.executable, "-m", "finetune.program", str(home / "params.json")], {}
    return subprocess.run(
        command,
        cwd=home if as_file else ROOT,
        env=client_env(hub, token, home, **extra),
        capture_output=True,
        text=True,
        timeout=600,
    )


def entities_dataset(folder: Path) -> Path:
    """Words and their entity tags (a list of ClassLabel), train and validation."""
    tags = ClassLabel(names=["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])
    features = Features({"tokens": List(Value("string")), "ner_tags": List(tags)})
    rows = [
        (["my", "name", "is", "wolfgang"], [0, 0, 0, 1]),
        (["i", "live", "in", "berlin"], [0, 0, 0, 3]),
        (["paris", "is", "the", "capital", "of", "france"], [3, 0, 0, 0, 0, 3]),
    ]
    (folder / "data").mkdir(parents=True)
    for split, repeat in (("train", 4), ("validation", 1)):
        data = {"tokens": [w for w, _ in rows] * repeat, "ner_tags": [t for _, t in rows] * repeat}
        Dataset.from_dict(data, features).to_parquet(
            str(folder / "data" / f"{split}-00000-of-00001.parquet")
        )
    return folder


def summaries_dataset(folder: Path) -> Path:
    """Documents and their summaries, train and test."""
    rows = [(line, " ".join(line.split()[:3])) for line in LINES]
    (folder / "data").mkdir(parents=True)
    for split, repeat in (("train", 3), ("test", 1)):
        data = {"document": [d for d, _ in rows] * repeat, "summary": [s for _, s in rows] * repeat}
        Dataset.from_dict(data).to_parquet(str(folder / "data" / f"{split}.parquet"))
    return folder


def translations_dataset(folder: Path) -> Path:
    """English-French pairs in one nested `translation` column, as the Hub's translation
    datasets have them; train and validation."""
    rows = [{"en": line, "fr": " ".join(reversed(line.split()))} for line in LINES]
    (folder / "data").mkdir(parents=True)
    for split, repeat in (("train", 3), ("validation", 1)):
        Dataset.from_dict({"translation": rows * repeat}).to_parquet(
            str(folder / "data" / f"{split}.parquet")
        )
    return folder
