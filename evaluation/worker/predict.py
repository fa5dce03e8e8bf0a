"""One evaluator per task: `step(batch)` runs the model on a batch of rows and keeps what the
metrics need; `results()` computes them. Models are loaded by inference.pipelines (the same
snapshots, the same rules: safetensors unless pickles are allowed, no remote code)."""

from typing import Any

import torch

from evaluation.errors import EvaluationFailed
from evaluation.worker import metrics
from evaluation.worker.data import Labels

# How many examples a job keeps to show beside its numbers.
SAMPLES = 10
# Generation for translation and summarization: the model's own generation settings, greedy
# instead of sampling, and at most this many new tokens.
MAX_NEW_TOKENS = 128
# The longest answer span question answering considers, in tokens (the SQuAD pipelines' 15).
MAX_ANSWER_TOKENS = 15
# What loading (a pipeline name, or one of inference's own runners) each task needs.
LOADS = {
    "text-classification": "text-classification",
    "token-classification": "token-classification",
    "question-answering": "question-answering",
    "translation": "seq2seq",
    "summarization": "seq2seq",
    "text-generation": "text-generation",
    "image-classification": "image-classification",
}


class Evaluator:
    def __init__(self, loaded: Any, columns: dict[str, str], dataset):
        self.columns = columns
        self.samples: list[dict] = []

    def _sample(self, source: Any, reference: Any, prediction: Any) -> None:
        if len(self.samples) < SAMPLES:
            self.samples.append(
                {
                    "input": _short(source),
                    "reference": _short(reference),
                    "prediction": _short(prediction),
                }
            )


def _short(value: Any) -> Any:
    if isinstance(value, str):
        return value[:300]
    if isinstance(value, list | tuple):
        return [_short(item) for item in value[:50]]
    if isinstance(value, int | float) or value is None:
        return value
    return type(value).__name__


def max_length(model: Any, tokenizer: Any) -> int:
    config = model.config
    positions = getattr(config, "max_position_embeddings", None) or getattr(
        config, "n_positions", None
    )
    return min(tokenizer.model_max_length, positions or 512)


class _Classification(Evaluator):
    """Text or image classification through the pipeline (as the Inference API answers)."""

    def __init__(self, loaded: Any, columns: dict[str, str], dataset):
        super().__init__(loaded, columns, dataset)
        self.pipe = loaded
        config = loaded.model.config
        self.labels = Labels(dataset, columns["label"], config.id2label, sequence=False)
        self.by_name = {str(config.id2label[i]): name for i, name in self.labels.model.items()}
        self.gold: list[str] = []
        self.predicted: list[str] = []

    def _inputs(self, values: list) -> list:
        return [str(value) for value in values]

    def _call(self, inputs: list) -> list:
        return self.pipe(inputs, batch_size=len(inputs), truncation=True)

    def step(self, batch: dict[str, list]) -> None:
        inputs = self._inputs(batch[self.columns["input"]])
        for output, value, source in zip(
            self._call(inputs),
            batch[self.columns["label"]],
            batch[self.columns["input"]],
            strict=True,
        ):
            best = output[0] if isinstance(output, list) else output
            predicted, gold = (
                self.by_name.get(best["label"], best["label"]),
                self.labels.gold(value),
            )
            self.gold.append(gold)
            self.predicted.append(predicted)
            self._sample(source, gold, predicted)

    def results(self) -> dict[str, float]:
        return metrics.classification(self.gold, self.predicted)


class _ImageClassification(_Classification):
    def _inputs(self, values: list) -> list:
        return [image.convert("RGB") for image in values]

    def _call(self, inputs: list) -> list:
        return self.pipe(inputs, batch_size=len(inputs), top_k=1)

    def _sample(self, source: Any, reference: Any, prediction: Any) -> None:
        super()._sample("(image)", reference, prediction)


class _TokenClassification(Evaluator):
    """Word-level tags: each word takes the model's label of its first sub-word token."""

    def __init__(self, loaded: Any, columns: dict[str, str], dataset):
        super().__init__(loaded, columns, dataset)
        self.model, self.tokenizer = loaded.model, loaded.tokenizer
        self.labels = Labels(dataset, columns["label"], self.model.config.id2label, sequence=True)
        self.outside = "O"
        self.gold: list[list[str]] = []
        self.predicted: list[list[str]] = []

    def step(self, batch: dict[str, list]) -> None:
        words = [[str(word) for word in row] for row in batch[self.columns["input"]]]
        encoded = self.tokenizer(
            words,
            is_split_into_words=True,
            truncation=True,
            padding=True,
            max_length=max_length(self.model, self.tokenizer),
            return_tensors="pt",
        )
        best = self.model(**encoded).logits.argmax(-1)
        for index, (row, tags) in enumerate(zip(words, batch[self.columns["label"]], strict=True)):
            first: dict[int, int] = {}
            for position, word in enumerate(encoded.word_ids(index)):
                if word is not None and word not in first:
                    first[word] = int(best[index][position])
            predicted = [
                self.labels.model.get(first[w], self.outside) if w in first else self.outside
                for w in range(len(row))
            ]
            gold = [self.labels.gold(tag) for tag in tags]
            self.gold.append(gold)
            self.predicted.append(predicted)
            self._sample(" ".join(row), gold, predicted)

    def results(self) -> dict[str, float]:
        return metrics.entities(self.gold, self.predicted)


class _QuestionAnswering(Evaluator):
    """The best span of the context: the start with the highest score, then the best end
    within MAX_ANSWER_TOKENS (first of equals, so a run is reproducible)."""

    def __init__(self, loaded: Any, columns: dict[str, str], dataset):
        super().__init__(loaded, columns, dataset)
        self.model, self.tokenizer = loaded
        self.gold: list[list[str]] = []
        self.predicted: list[str] = []

    def step(self, batch: dict[str, list]) -> None:
        questions = [str(q) for q in batch[self.columns["input"]]]
        contexts = [str(c) for c in batch[self.columns["context"]]]
        encoded = self.tokenizer(
            questions,
            contexts,
            truncation="only_second",
            padding=True,
            max_length=max_length(self.model, self.tokenizer),
            return_offsets_mapping=True,
            return_tensors="pt",
        )
        offsets = encoded.pop("offset_mapping")
        output = self.model(**encoded)
        for index, context in enumerate(contexts):
            in_context = torch.tensor([sid == 1 for sid in encoded.sequence_ids(index)])
            start_scores = output.start_logits[index].masked_fill(~in_context, -torch.inf)
            start = int(start_scores.argmax())
            window = output.end_logits[index][start : start + MAX_ANSWER_TOKENS]
            window = window.masked_fill(~in_context[start : start + MAX_ANSWER_TOKENS], -torch.inf)
            end = start + int(window.argmax())
            answer = context[int(offsets[index][start][0]) : int(offsets[index][end][1])]
            gold = _answers(batch[self.columns["label"]][index])
            self.gold.append(gold)
            self.predicted.append(answer)
            self._sample(questions[index], gold, answer)

    def results(self) -> dict[str, float]:
        return metrics.squad(self.gold, self.predicted)


def _answers(value: Any) -> list[str]:
    """SQuAD's {"text": [...], "answer_start": [...]}, a list of strings, or one string."""
    if isinstance(value, dict):
        value = value.get("text", [])
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    raise EvaluationFailed(f"An answers value must be text or SQuAD-style; got {value!r:.80}")


class _Seq2Seq(Evaluator):
    """Translation and summarization: generated text against the reference column."""

    def __init__(self, loaded: Any, columns: dict[str, str], dataset, task: str):
        super().__init__(loaded, columns, dataset)
        self.model, self.tokenizer = loaded
        self.prefix = _task_prefix(self.model.config, task)
        self.references: list[str] = []
        self.predicted: list[str] = []

    def step(self, batch: dict[str, list]) -> None:
        sources = [str(text) for text in batch[self.columns["input"]]]
        encoded = self.tokenizer(
            [self.prefix + text for text in sources],
            padding=True,
            truncation=True,
            max_length=max_length(self.model, self.tokenizer),
            return_tensors="pt",
        )
        encoded.pop("token_type_ids", None)
        tokens = self.model.generate(**encoded, do_sample=False, max_new_tokens=MAX_NEW_TOKENS)
        texts = self.tokenizer.batch_decode(tokens, skip_special_tokens=True)
        for source, reference, text in zip(
            sources, batch[self.columns["label"]], texts, strict=True
        ):
            self.references.append(str(reference))
            self.predicted.append(text.strip())
            self._sample(source, str(reference), text.strip())

    def results(self) -> dict[str, float]:
        return metrics.generation(self.references, self.predicted)


def _task_prefix(config: Any, task: str) -> str:
    """The prompt prefix a T5-style config names for the task, when it names exactly one."""
    specific = getattr(config, "task_specific_params", None) or {}
    names = [name for name in specific if name.startswith(task)]
    if len(names) == 1:
        return str(specific[names[0]].get("prefix") or "")
    return str(getattr(config, "prefix", None) or "")


class _Perplexity(Evaluator):
    """exp of the mean negative log-likelihood of every token after the first, each text on
    its own (beginning-of-text prepended when the tokenizer has one), cut at the model's
    context length."""

    def __init__(self, loaded: Any, columns: dict[str, str], dataset):
        super().__init__(loaded, columns, dataset)
        self.model, self.tokenizer = loaded.model, loaded.tokenizer
        self.nll, self.tokens = 0.0, 0

    def step(self, batch: dict[str, list]) -> None:
        longest = max_length(self.model, self.tokenizer)
        bos = self.tokenizer.bos_token_id
        texts, rows = [], []
        for text in batch[self.columns["input"]]:
            ids = self.tokenizer(str(text), add_special_tokens=False)["input_ids"]
            row = (([bos] if bos is not None else []) + ids)[:longest]
            if len(row) >= 2:
                texts.append(str(text))
                rows.append(row)
        if not rows:
            return
        width = max(len(row) for row in rows)
        ids = torch.tensor([row + [0] * (width - len(row)) for row in rows])
        mask = torch.tensor([[1] * len(row) + [0] * (width - len(row)) for row in rows])
        logits = self.model(input_ids=ids, attention_mask=mask).logits[:, :-1].double()
        targets, counted = ids[:, 1:], mask[:, 1:].bool()
        losses = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none"
        ).reshape(targets.shape)
        self.nll += float(losses[counted].sum())
        self.tokens += int(counted.sum())
        for text, row_loss, row_mask in zip(texts, losses, counted, strict=True):
            self._sample(text, None, round(float(torch.exp(row_loss[row_mask].mean())), 4))

    def results(self) -> dict[str, float]:
        if not self.tokens:
            raise EvaluationFailed("No text had two or more tokens: perplexity is undefined")
        return metrics.perplexity(self.nll, self.tokens)


def evaluator(task: str, loaded: Any, columns: dict[str, str], dataset) -> Evaluator:
    if task in ("translation", "summarization"):
        return _Seq2Seq(loaded, columns, dataset, task)
    return {
        "text-classification": _Classification,
        "image-classification": _ImageClassification,
        "token-classification": _TokenClassification,
        "question-answering": _QuestionAnswering,
        "text-generation": _Perplexity,
    }[task](loaded, columns, dataset)
