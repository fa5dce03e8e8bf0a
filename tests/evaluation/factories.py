"""Models whose answers are known in advance, and datasets to match them.

A classifier whose last layer has zero weights and a large bias on one label predicts that
label for every input; a GPT-2 whose final layer norm is zeroed gives every token the same
logit, so its perplexity is exactly its vocabulary size.
"""

from pathlib import Path

import torch
import yaml
from datasets import ClassLabel, Dataset, Features, Image, List, Value
from transformers import (
    AutoModelForQuestionAnswering,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    GPT2LMHeadModel,
    ViTForImageClassification,
)

from tests.inference import tiny


def _card(folder: Path, **metadata) -> None:
    (folder / "README.md").write_text(f"---\n{yaml.safe_dump(metadata)}---\n# A tiny model\n")


def _biased(folder: Path, loader, layer: str, label: int, size: int = 10) -> None:
    model = loader.from_pretrained(folder)
    head = dict(model.named_modules())[layer]
    with torch.no_grad():
        head.weight.zero_()
        head.bias.zero_()
        head.bias[label] = size
    model.save_pretrained(folder)


def constant_classifier(folder: Path, label: int, **card) -> Path:
    """A NEGATIVE/POSITIVE text classifier that always answers label `label`."""
    tiny.text_classifier(folder)
    _biased(folder, AutoModelForSequenceClassification, "classifier", label)
    _card(folder, pipeline_tag="text-classification", **card)
    return folder


def random_classifier(folder: Path, seed: int, **card) -> Path:
    tiny.text_classifier(folder, seed=seed)
    _card(folder, pipeline_tag="text-classification", **card)
    return folder


def wide_classifier(folder: Path) -> Path:
    """A BERT classifier with hidden size 256 and 4 layers: slow enough to watch a job run."""
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    tokenizer = tiny.wordpiece()
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=256,
        num_hidden_layers=4,
        num_attention_heads=2,
        intermediate_size=1024,
        id2label={0: "NEGATIVE", 1: "POSITIVE"},
        label2id={"NEGATIVE": 0, "POSITIVE": 1},
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    _card(folder, pipeline_tag="text-classification")
    return folder


def constant_tagger(folder: Path, label: int) -> Path:
    """A tagger (O, B-PER, I-PER, B-LOC, I-LOC) that tags every token with label `label`."""
    tiny.token_classifier(folder)
    _biased(folder, AutoModelForTokenClassification, "classifier", label)
    return folder


def flat_reader(folder: Path) -> Path:
    """Extractive QA whose start and end scores are equal everywhere: it answers with the
    context's first token."""
    tiny.extractive_qa(folder)
    model = AutoModelForQuestionAnswering.from_pretrained(folder)
    with torch.no_grad():
        model.qa_outputs.weight.zero_()
        model.qa_outputs.bias.zero_()
    model.save_pretrained(folder)
    return folder


def uniform_lm(folder: Path) -> Path:
    tiny.gpt2(folder)
    model = GPT2LMHeadModel.from_pretrained(folder)
    with torch.no_grad():
        model.transformer.ln_f.weight.zero_()
        model.transformer.ln_f.bias.zero_()
    model.save_pretrained(folder)
    return folder


def constant_vision(folder: Path, label: int) -> Path:
    """A cat/dog/bird image classifier that always answers label `label`."""
    tiny.vit(folder)
    _biased(folder, ViTForImageClassification, "classifier", label)
    return folder


def dataset(
    folder: Path,
    columns: dict,
    features: Features | None = None,
    split: str = "test",
    card: dict | None = None,
) -> Path:
    """A dataset repo folder with one parquet file for `split`."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    Dataset.from_dict(columns, features=features).to_parquet(
        str(folder / "data" / f"{split}-00000-of-00001.parquet")
    )
    if card is not None:
        (folder / "README.md").write_text(f"---\n{yaml.safe_dump(card)}---\n# Data\n")
    return folder


def sentiment(folder: Path, labels: list[int]) -> Path:
    texts = [f"review number {n} of this film" for n in range(len(labels))]
    features = Features(text=Value("string"), label=ClassLabel(names=["negative", "positive"]))
    return dataset(folder, {"text": texts, "label": labels}, features)


def tagged(folder: Path, rows: list[tuple[list[str], list[str]]]) -> Path:
    names = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    features = Features(tokens=List(Value("string")), ner_tags=List(ClassLabel(names=names)))
    columns = {
        "tokens": [r[0] for r in rows],
        "ner_tags": [[names.index(t) for t in r[1]] for r in rows],
    }
    return dataset(folder, columns, features)


def images(folder: Path, labels: list[int]) -> Path:
    pictures = [tiny.png((40 * n % 255, 90, 30)) for n in range(len(labels))]
    features = Features(image=Image(), label=ClassLabel(names=["cat", "dog", "bird"]))
    columns = {"image": [{"bytes": p, "path": None} for p in pictures], "label": labels}
    return dataset(folder, columns, features)
