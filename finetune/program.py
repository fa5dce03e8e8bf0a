"""Fine-tune a model from the hub on a dataset from the hub, evaluate it, push the result.

What a fine-tune Job runs, standalone: it imports nothing of the hub, only transformers,
datasets, huggingface_hub, torch and the metric libraries, and reaches the hub through
HF_ENDPOINT with HF_TOKEN, as any client does. Its parameters are a JSON object (see
`Settings`), read from the file named on the command line, else from $FINETUNE_PARAMS:

    python -m finetune.program params.json
    FINETUNE_PARAMS='{"base_model": ...}' python program.py

It prints one line per logged step ("step 3/10 (30%) loss 0.6931") and, last, a line
"finetune-result {...}" with the new repo and the evaluation. Bad input (a column or split the
dataset does not have, an unknown task) exits with status 2 before any training.
"""

import io
import json
import math
import os
import sys
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import sacrebleu
import torch
import yaml
from datasets import ClassLabel, Dataset, DatasetDict, load_dataset
from datasets.exceptions import DatasetNotFoundError
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError
from PIL import Image, ImageDraw
from rouge_score import rouge_scorer
from seqeval.metrics import accuracy_score as entity_accuracy
from seqeval.metrics import f1_score as entity_f1
from seqeval.metrics import precision_score as entity_precision
from seqeval.metrics import recall_score as entity_recall
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSeq2SeqLM,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    DataCollatorForSeq2Seq,
    DataCollatorForTokenClassification,
    DataCollatorWithPadding,
    PrinterCallback,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)

# task -> {role: default column}; the task names are the Hub's pipeline tags, so the card's
# model-index speaks the hub's evaluation and leaderboards' language.
TASKS = {
    "text-classification": {"input": "text", "label": "label"},
    "token-classification": {"input": "tokens", "label": "ner_tags"},
    "translation": {"input": "source", "label": "target"},
    "summarization": {"input": "document", "label": "summary"},
    "text-generation": {"input": "text"},
}
HELD_OUT = ("validation", "test")  # the first of these the dataset has (other than `split`)
BAD_INPUT = 2
IGNORED = -100  # the label index torch's cross entropy skips


class BadInput(Exception):
    """Parameters or data the program cannot train on: reported, exit status 2."""


@dataclass(frozen=True)
class Hyperparameters:
    # Defaults for a CPU: one short epoch of a small model.
    epochs: float = 1.0
    learning_rate: float = 5e-5
    batch_size: int = 8
    max_length: int = 128
    max_steps: int | None = None  # stops training early when set
    seed: int = 42


@dataclass(frozen=True)
class Settings:
    base_model: str
    dataset: str
    task: str
    output_repo: str
    config: str | None = None  # None: the dataset's default configuration
    split: str = "train"
    eval_split: str | None = None  # None: validation or test if any, else a seeded slice
    eval_fraction: float = 0.1
    max_eval_samples: int = 500
    columns: dict = field(default_factory=dict)  # role -> column; missing roles: TASKS' default
    private: bool = False
    hyperparameters: Hyperparameters = field(default_factory=Hyperparameters)
    # Translation from one nested column ({"translation": {"en": ..., "fr": ...}}): the
    # languages of the input and of the label, both read from the column the roles name.
    source_lang: str | None = None
    target_lang: str | None = None
    # The base model's commit the hub checked (and scanned) when it queued the job: the
    # job loads exactly those files, even if the branch moves meanwhile.
    base_revision: str | None = None

    @property
    def pinned(self) -> dict:
        return {"revision": self.base_revision} if self.base_revision else {}

    def language(self, role: str) -> str | None:
        return {"input": self.source_lang, "label": self.target_lang}.get(role)


def settings_from(raw: dict) -> Settings:
    """`Settings` from the JSON object; BadInput names what is wrong."""
    if not isinstance(raw, dict):
        raise BadInput("the parameters must be a JSON object")
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise BadInput(f"unknown parameters: {', '.join(unknown)}")
    hyper = raw.get("hyperparameters") or {}
    wrong = sorted(set(hyper) - {f.name for f in fields(Hyperparameters)})
    if wrong:
        raise BadInput(f"unknown hyperparameters: {', '.join(wrong)}")
    missing = [
        name for name in ("base_model", "dataset", "task", "output_repo") if not raw.get(name)
    ]
    if missing:
        raise BadInput(f"missing parameters: {', '.join(missing)}")
    if raw["task"] not in TASKS:
        raise BadInput(f"task must be one of {', '.join(TASKS)}; got {raw['task']!r}")
    defaults = TASKS[raw["task"]]
    if raw.get("source_lang") or raw.get("target_lang"):
        if raw["task"] != "translation" or not (raw.get("source_lang") and raw.get("target_lang")):
            raise BadInput("source_lang and target_lang go together, for translation only")
        defaults = dict.fromkeys(defaults, "translation")
    columns = {**defaults, **(raw.get("columns") or {})}
    extra = sorted(set(columns) - set(TASKS[raw["task"]]))
    if extra:
        raise BadInput(f"{raw['task']} has no column role {', '.join(extra)}")
    return Settings(
        **{**raw, "columns": columns, "hyperparameters": Hyperparameters(**hyper)},
    )


def settings_read(argv: list[str]) -> Settings:
    if len(argv) > 1:
        text = Path(argv[1]).read_text()
    elif os.environ.get("FINETUNE_PARAMS"):
        text = os.environ["FINETUNE_PARAMS"]
    else:
        raise BadInput("give the parameters as a JSON file argument or in $FINETUNE_PARAMS")
    try:
        return settings_from(json.loads(text))
    except json.JSONDecodeError as exc:
        raise BadInput(f"the parameters are not valid JSON: {exc}") from exc


# -- data ------------------------------------------------------------------------------------


def splits_load(settings: Settings) -> tuple[Dataset, Dataset, str]:
    """The training split, the held-out split and the held-out split's name, columns checked."""
    print(f"loading dataset {settings.dataset}", flush=True)
    try:
        data = load_dataset(settings.dataset, name=settings.config)
    except (DatasetNotFoundError, ValueError) as exc:  # no such dataset, or config
        raise BadInput(f"dataset {settings.dataset} could not be loaded: {exc}") from exc
    train = _split(data, settings.split, settings)
    columns_check(train, settings)
    name = settings.eval_split or next(
        (s for s in HELD_OUT if s in data and s != settings.split), None
    )
    if name is None:
        parts = train.train_test_split(
            test_size=max(settings.eval_fraction, 1 / max(len(train), 1)),
            seed=settings.hyperparameters.seed,
        )
        train, held_out, name = parts["train"], parts["test"], f"{settings.split} (held out)"
    else:
        held_out = _split(data, name, settings)
        columns_check(held_out, settings)
    held_out = held_out.select(range(min(len(held_out), settings.max_eval_samples)))
    return train, held_out, name


def _split(data: DatasetDict, name: str, settings: Settings) -> Dataset:
    if name not in data:
        raise BadInput(
            f"dataset {settings.dataset} has no split {name!r}; its splits are: {', '.join(data)}"
        )
    return data[name]


def columns_check(split: Dataset, settings: Settings) -> None:
    """Before any training: every column the task needs is in the split."""
    missing = [c for c in dict.fromkeys(settings.columns.values()) if c not in split.column_names]
    if missing:
        raise BadInput(
            f"dataset {settings.dataset} (split {split.split}) has no column "
            f"{', '.join(repr(c) for c in missing)} for {settings.task}; "
            f"its columns are: {', '.join(split.column_names)}"
        )
    for role, column in settings.columns.items():
        if settings.language(role):
            languages_check(split, column, settings.language(role), settings)


def languages_check(split: Dataset, column: str, language: str, settings: Settings) -> None:
    """A nested translation column holds the language: a Translation feature's languages, or
    the fields of a struct (how a parquet file of such rows loads)."""
    feature = split.features[column]
    languages = getattr(feature, "languages", None) or (
        list(feature) if isinstance(feature, dict) else []
    )
    if language not in languages:
        raise BadInput(
            f"dataset {settings.dataset} (split {split.split}): column {column!r} has no "
            f"language {language!r}; its languages are: {', '.join(languages) or 'none'}"
        )


def texts(rows: dict, role: str, settings: Settings) -> list[str]:
    """The role's texts of a batch of rows: its language of a nested translation column when
    the settings name one, else the column's values."""
    language = settings.language(role)
    values = rows[settings.columns[role]]
    return [str(v[language]) if language else str(v) for v in values]


def label_encoding(train: Dataset, column: str, *, per_token: bool) -> tuple[list[str], object]:
    """The class names and value -> class id: a ClassLabel's own names (its values are the
    ids already), else the distinct values seen in training, as text."""
    feature = train.features[column]
    feature = feature.feature if per_token and hasattr(feature, "feature") else feature
    if isinstance(feature, ClassLabel):
        return list(feature.names), int
    values = train[column]
    seen = {str(v) for row in values for v in row} if per_token else {str(v) for v in values}
    ids = {name: i for i, name in enumerate(sorted(seen))}
    return list(ids), lambda value: ids[str(value)]


# -- tasks: model, features, collator, metrics -----------------------------------------------


@dataclass
class Prepared:
    model: torch.nn.Module
    train: Dataset
    held_out: Dataset
    collator: object
    evaluate: object  # (trainer, held_out raw, held_out features) -> {metric: value}


def prepare(settings: Settings, tokenizer, train: Dataset, held_out: Dataset) -> Prepared:
    task, columns = settings.task, settings.columns
    max_length = settings.hyperparameters.max_length
    if task == "text-classification":
        return _classification(settings, tokenizer, train, held_out, max_length)
    if task == "token-classification":
        return _token_classification(settings, tokenizer, train, held_out, max_length)
    if task in ("translation", "summarization"):
        model = AutoModelForSeq2SeqLM.from_pretrained(settings.base_model, **settings.pinned)

        def features(batch: dict) -> dict:
            return tokenizer(
                texts(batch, "input", settings),
                text_target=texts(batch, "label", settings),
                truncation=True,
                max_length=max_length,
            )

        return Prepared(
            model,
            _mapped(train, features),
            _mapped(held_out, features),
            DataCollatorForSeq2Seq(tokenizer, model=model),
            lambda trainer, raw, _: _generation_metrics(trainer, tokenizer, raw, settings),
        )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(settings.base_model, **settings.pinned)

    def lm_features(batch: dict) -> dict:
        texts = [str(x) for x in batch[columns["input"]]]
        return tokenizer(texts, truncation=True, max_length=max_length)

    return Prepared(
        model,
        _mapped(train, lm_features),
        _mapped(held_out, lm_features),
        DataCollatorForLanguageModeling(tokenizer, mlm=False),
        lambda trainer, _, features: {
            "perplexity": math.exp(trainer.evaluate(features)["eval_loss"])
        },
    )


def _mapped(split: Dataset, function) -> Dataset:
    return split.map(function, batched=True, remove_columns=split.column_names)


def _classification(settings, tokenizer, train, held_out, max_length) -> Prepared:
    text, label = settings.columns["input"], settings.columns["label"]
    names, label_id = label_encoding(train, label, per_token=False)
    model = AutoModelForSequenceClassification.from_pretrained(
        settings.base_model, **_label_config(names), **settings.pinned
    )

    def features(batch: dict) -> dict:
        encoded = tokenizer([str(x) for x in batch[text]], truncation=True, max_length=max_length)
        encoded["labels"] = [label_id(v) for v in batch[label]]
        return encoded

    def evaluate(trainer, _, encoded) -> dict:
        output = trainer.predict(encoded)
        gold, predicted = output.label_ids, np.argmax(output.predictions, axis=-1)
        both = {"y_true": gold, "y_pred": predicted, "zero_division": 0}
        return {
            "accuracy": float(accuracy_score(gold, predicted)),
            "f1_macro": float(f1_score(average="macro", **both)),
            "f1_weighted": float(f1_score(average="weighted", **both)),
            "precision_macro": float(precision_score(average="macro", **both)),
            "recall_macro": float(recall_score(average="macro", **both)),
        }

    return Prepared(
        model,
        _mapped(train, features),
        _mapped(held_out, features),
        DataCollatorWithPadding(tokenizer),
        evaluate,
    )


def _token_classification(settings, tokenizer, train, held_out, max_length) -> Prepared:
    words, tags = settings.columns["input"], settings.columns["label"]
    names, label_id = label_encoding(train, tags, per_token=True)
    model = AutoModelForTokenClassification.from_pretrained(
        settings.base_model, **_label_config(names), **settings.pinned
    )

    def features(batch: dict) -> dict:
        encoded = tokenizer(
            batch[words], is_split_into_words=True, truncation=True, max_length=max_length
        )
        encoded["labels"] = [
            _aligned(encoded.word_ids(i), [label_id(t) for t in row])
            for i, row in enumerate(batch[tags])
        ]
        return encoded

    def evaluate(trainer, _, encoded) -> dict:
        output = trainer.predict(encoded)
        predicted = np.argmax(output.predictions, axis=-1)
        gold_rows, predicted_rows = [], []
        for gold, guess in zip(output.label_ids, predicted, strict=True):
            kept = gold != IGNORED
            gold_rows.append([names[i] for i in gold[kept]])
            predicted_rows.append([names[i] for i in guess[kept]])
        return {
            "f1": float(entity_f1(gold_rows, predicted_rows, zero_division=0)),
            "precision": float(entity_precision(gold_rows, predicted_rows, zero_division=0)),
            "recall": float(entity_recall(gold_rows, predicted_rows, zero_division=0)),
            "accuracy": float(entity_accuracy(gold_rows, predicted_rows)),
        }

    return Prepared(
        model,
        _mapped(train, features),
        _mapped(held_out, features),
        DataCollatorForTokenClassification(tokenizer),
        evaluate,
    )


def _aligned(word_ids: list[int | None], labels: list[int]) -> list[int]:
    """Each word's label on its first sub-token; special tokens and continuations ignored."""
    aligned, previous = [], None
    for word in word_ids:
        aligned.append(IGNORED if word is None or word == previous else labels[word])
        previous = word
    return aligned


def _label_config(names: list[str]) -> dict:
    # A new head when the base model's labels differ: its size, its names.
    return {
        "num_labels": len(names),
        "id2label": dict(enumerate(names)),
        "label2id": {n: i for i, n in enumerate(names)},
        "ignore_mismatched_sizes": True,
    }


def _generation_metrics(trainer, tokenizer, raw: Dataset, settings: Settings) -> dict:
    """sacreBLEU and chrF for translation, ROUGE for summarization, 0-100; greedy decoding."""
    model, batch = trainer.model.eval(), settings.hyperparameters.batch_size
    predicted = []
    for start in range(0, len(raw), batch):
        encoded = tokenizer(
            texts(raw[start : start + batch], "input", settings), truncation=True,
            max_length=settings.hyperparameters.max_length, padding=True, return_tensors="pt",
        )  # fmt: skip
        with torch.no_grad():
            out = model.generate(
                input_ids=encoded["input_ids"],
                attention_mask=encoded["attention_mask"],
                max_new_tokens=settings.hyperparameters.max_length,
            )
        predicted += tokenizer.batch_decode(out, skip_special_tokens=True)
    references = texts(raw[:], "label", settings)
    if settings.task == "translation":
        return {
            "bleu": sacrebleu.corpus_bleu(predicted, [references]).score,
            "chrf": sacrebleu.corpus_chrf(predicted, [references]).score,
        }
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    scores = [scorer.score(r, p) for r, p in zip(references, predicted, strict=True)]
    return {
        name: 100 * sum(s[name].fmeasure for s in scores) / max(len(scores), 1)
        for name in ("rouge1", "rouge2", "rougeL")
    }


# -- training --------------------------------------------------------------------------------


class Progress(TrainerCallback):
    """One line per logged step, for the job's log: step, share done, loss."""

    def on_log(self, args, state, control, logs=None, **kwargs) -> None:
        if logs and "loss" in logs:
            share = 100 * state.global_step / max(state.max_steps, 1)
            print(
                f"step {state.global_step}/{state.max_steps} ({share:.0f}%) "
                f"loss {logs['loss']:.4f} epoch {state.epoch or 0:.2f}",
                flush=True,
            )


def training_arguments(hyper: Hyperparameters, output_dir: str) -> TrainingArguments:
    """CPU training, no checkpoints, no reporting service; about 50 logged losses a run."""
    return TrainingArguments(
        output_dir=output_dir,
        num_train_epochs=hyper.epochs,
        max_steps=hyper.max_steps or -1,
        learning_rate=hyper.learning_rate,
        per_device_train_batch_size=hyper.batch_size,
        per_device_eval_batch_size=hyper.batch_size,
        seed=hyper.seed,
        use_cpu=True,
        logging_strategy="steps",
        logging_steps=0.02,
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
    )


def train(settings: Settings, api: HfApi, workdir: Path) -> dict:
    """Loads and checks the data and the model, makes sure the output repo can be written,
    then trains, evaluates and saves into workdir/model; what the card records."""
    train_raw, held_raw, held_name = splits_load(settings)
    print(f"loading model {settings.base_model}", flush=True)
    try:
        tokenizer = AutoTokenizer.from_pretrained(settings.base_model, **settings.pinned)
        prepared = prepare(settings, tokenizer, train_raw, held_raw)
    except OSError as exc:  # not a model repo, or not one this token can read
        raise BadInput(f"base model {settings.base_model} could not be loaded: {exc}") from exc
    # Before hours of training: a repo the token cannot write fails now, not at the push.
    try:
        api.create_repo(settings.output_repo, private=settings.private, exist_ok=True)
    except HfHubHTTPError as exc:
        raise BadInput(f"cannot create or write {settings.output_repo}: {exc}") from exc
    trainer = Trainer(
        model=prepared.model,
        args=training_arguments(settings.hyperparameters, str(workdir / "trainer")),
        train_dataset=prepared.train,
        data_collator=prepared.collator,
        processing_class=tokenizer,
        callbacks=[Progress()],
    )
    trainer.remove_callback(PrinterCallback)  # Progress prints the job log's lines instead
    print(f"training on {len(prepared.train)} examples", flush=True)
    metrics = trainer.train().metrics
    print(f"evaluating on {held_name} ({len(held_raw)} examples)", flush=True)
    results = prepared.evaluate(trainer, held_raw, prepared.held_out)
    trainer.save_model(str(workdir / "model"))
    return {
        "eval_split": held_name,
        "results": {k: round(float(v), 6) for k, v in results.items()},
        "losses": [(e["step"], e["loss"]) for e in trainer.state.log_history if "loss" in e],
        "train_seconds": metrics["train_runtime"],
        "train_samples_per_second": metrics["train_samples_per_second"],
    }


# -- the card and the push -------------------------------------------------------------------


def loss_curve_png(losses: list[tuple[int, float]], width: int = 640, height: int = 320) -> bytes:
    """The training loss by step as a PNG line chart (Pillow: no plotting library needed)."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    left, right, top, bottom = 60, 20, 20, 40
    draw.rectangle([left, top, width - right, height - bottom], outline="#888")
    if losses:
        steps, values = [s for s, _ in losses], [v for _, v in losses]
        low, high = min(values), max(values)
        span, first, last = (high - low) or 1.0, min(steps), max(steps)

        def point(step: int, value: float) -> tuple[float, float]:
            x = left + (width - left - right) * ((step - first) / ((last - first) or 1))
            return x, top + (height - top - bottom) * (1 - (value - low) / span)

        points = [point(s, v) for s, v in losses]
        if len(points) > 1:
            draw.line(points, fill="#d62728", width=2)
        for x, y in points:
            draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill="#d62728")
        draw.text((4, top), f"{high:.3g}", fill="black")
        draw.text((4, height - bottom - 10), f"{low:.3g}", fill="black")
        draw.text((left, height - bottom + 6), f"step {first}", fill="black")
        draw.text((width - right - 60, height - bottom + 6), f"step {last}", fill="black")
    draw.text((width // 2 - 40, height - 18), "training loss", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def card_text(settings: Settings, outcome: dict, dataset_revision: str) -> str:
    """README.md: base_model, datasets, the hyperparameters, the loss curve and the evaluation
    (as a model-index result, which the hub's leaderboards read as self-reported)."""
    name = settings.output_repo.split("/")[-1]
    task, split = settings.task, outcome["eval_split"]
    metadata = {
        "base_model": settings.base_model,
        "datasets": [settings.dataset],
        "pipeline_tag": task,
        "library_name": "transformers",
        "tags": ["fine-tuned"],
        "model-index": [
            {
                "name": name,
                "results": [
                    {
                        "task": {"type": task, "name": task.replace("-", " ").capitalize()},
                        "dataset": {
                            "name": settings.dataset,
                            "type": settings.dataset,
                            "config": settings.config or "default",
                            "split": split,
                            "revision": dataset_revision,
                        },
                        "metrics": [
                            {"type": metric, "value": value, "name": metric}
                            for metric, value in outcome["results"].items()
                        ],
                    }
                ],
            }
        ],
    }
    if settings.source_lang:
        metadata = {"language": [settings.source_lang, settings.target_lang], **metadata}
    hyper = asdict(settings.hyperparameters)
    rows = "".join(f"| {k} | {v} |\n" for k, v in hyper.items())
    results = "".join(f"| {k} | {v:.4f} |\n" for k, v in outcome["results"].items())
    return (
        f"---\n{yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True)}---\n"
        f"# {name}\n\n"
        f"Fine-tuned from [{settings.base_model}](/{settings.base_model}) on "
        f"[{settings.dataset}](/datasets/{settings.dataset}) (config "
        f"{settings.config or 'default'}, split {settings.split}, columns "
        f"{', '.join(f'{role}: {col}' for role, col in settings.columns.items())}) "
        f"for {task}{_languages_text(settings)}.\n\n"
        f"## Hyperparameters\n\n| name | value |\n| --- | --- |\n{rows}\n"
        f"## Training loss\n\n![Training loss by step](loss_curve.png)\n\n"
        f"## Evaluation\n\nOn {split} ({settings.dataset}):\n\n"
        f"| metric | value |\n| --- | --- |\n{results}"
    )


def _languages_text(settings: Settings) -> str:
    return f" from {settings.source_lang} to {settings.target_lang}" if settings.source_lang else ""


def push(settings: Settings, api: HfApi, folder: Path, outcome: dict) -> str:
    revision = api.dataset_info(settings.dataset).sha or ""
    (folder / "loss_curve.png").write_bytes(loss_curve_png(outcome["losses"]))
    (folder / "README.md").write_text(card_text(settings, outcome, revision))
    print(f"pushing to {settings.output_repo}", flush=True)
    commit = api.upload_folder(
        folder_path=folder,
        repo_id=settings.output_repo,
        commit_message=f"Fine-tune {settings.base_model} on {settings.dataset}",
        ignore_patterns=["training_args.bin"],
    )
    return commit.repo_url.url


def run(settings: Settings) -> dict:
    torch.manual_seed(settings.hyperparameters.seed)
    with tempfile.TemporaryDirectory(prefix="finetune-") as workdir:
        api = HfApi()
        outcome = train(settings, api, Path(workdir))
        url = push(settings, api, Path(workdir) / "model", outcome)
    return {
        "repo": settings.output_repo,
        "url": url,
        "eval_split": outcome["eval_split"],
        "results": outcome["results"],
        "train_seconds": outcome["train_seconds"],
        "train_samples_per_second": outcome["train_samples_per_second"],
    }


def main(argv: list[str]) -> int:
    try:
        settings = settings_read(argv)
        print(
            f"fine-tuning {settings.base_model} for {settings.task} on {settings.dataset}",
            flush=True,
        )
        result = run(settings)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return BAD_INPUT
    print(f"finetune-result {json.dumps(result)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
