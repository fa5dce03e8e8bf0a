"""What an evaluation is: tasks, their metrics and columns, and the normalised settings whose
hash makes "the same evaluation" a database key. Pure Python: web processes import it."""

import hashlib
import json
from dataclasses import asdict, dataclass

from evaluation.errors import InvalidEvaluation


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    higher_is_better: bool = True


@dataclass(frozen=True)
class Task:
    name: str
    metrics: tuple[Metric, ...]
    # role -> default column; every role must name a column of the dataset
    columns: dict[str, str]


_CLASSIFICATION = (
    Metric("accuracy", "Accuracy"),
    Metric("f1_macro", "F1 (macro)"),
    Metric("f1_weighted", "F1 (weighted)"),
    Metric("precision_macro", "Precision (macro)"),
    Metric("recall_macro", "Recall (macro)"),
)
# sacreBLEU and chrF are 0-100 as sacrebleu reports them; ROUGE is scaled to match.
_GENERATION = (
    Metric("bleu", "sacreBLEU"),
    Metric("chrf", "chrF"),
    Metric("rouge1", "ROUGE-1"),
    Metric("rouge2", "ROUGE-2"),
    Metric("rougeL", "ROUGE-L"),
)

TASKS = {
    task.name: task
    for task in (
        Task("text-classification", _CLASSIFICATION, {"input": "text", "label": "label"}),
        Task(
            "token-classification",
            (
                Metric("f1", "Entity F1"),
                Metric("precision", "Entity precision"),
                Metric("recall", "Entity recall"),
                Metric("accuracy", "Token accuracy"),
            ),
            {"input": "tokens", "label": "ner_tags"},
        ),
        Task(
            "question-answering",
            (Metric("exact_match", "Exact match"), Metric("f1", "F1")),
            {"input": "question", "context": "context", "label": "answers"},
        ),
        Task("translation", _GENERATION, {"input": "source", "label": "target"}),
        Task("summarization", _GENERATION, {"input": "document", "label": "summary"}),
        Task(
            "text-generation",
            (Metric("perplexity", "Perplexity", higher_is_better=False),),
            {"input": "text"},
        ),
        Task("image-classification", _CLASSIFICATION, {"input": "image", "label": "label"}),
    )
}

_MAX_NAME = 100
MAX_SEED = 2**31 - 1


def metric(task: str, name: str) -> Metric:
    return next(m for m in TASKS[task].metrics if m.name == name)


@dataclass(frozen=True)
class Spec:
    """The settings of an evaluation, beside the model: what a leaderboard fixes."""

    dataset_storage_id: str
    config: str
    split: str
    task: str
    metrics: tuple[str, ...]
    columns: dict[str, str]
    limit: int | None
    seed: int

    @property
    def key(self) -> str:
        """Equal for equal settings, whatever order or defaults they were given in."""
        return _digest(asdict(self))


def spec_normalize(
    *,
    dataset_storage_id: str,
    config: object,
    split: object,
    task: object,
    metrics: object,
    columns: object,
    limit: object,
    seed: object,
) -> Spec:
    """Checks settings from a form or a JSON body; fills defaults; InvalidEvaluation if bad."""
    if task not in TASKS:
        raise InvalidEvaluation(f"task must be one of {', '.join(TASKS)}; got {task!r}")
    return Spec(
        dataset_storage_id=dataset_storage_id,
        config=_name("config", config, "default"),
        split=_name("split", split, "test"),
        task=task,
        metrics=_metrics(TASKS[task], metrics),
        columns=_columns(TASKS[task], columns),
        limit=_limit(limit),
        seed=_seed(seed),
    )


def job_key(
    *, spec: Spec, model_storage_id: str, model_fingerprint: str, dataset_fingerprint: str
) -> str:
    """The dedup key: the settings, and what the model and dataset files hold."""
    return _digest([spec.key, model_storage_id, model_fingerprint, dataset_fingerprint])


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def _name(field: str, value: object, default: str) -> str:
    if value in (None, ""):
        return default
    if not isinstance(value, str) or len(value) > _MAX_NAME or not value.strip():
        raise InvalidEvaluation(f"{field} must be a name of at most {_MAX_NAME} characters")
    return value.strip()


def _metrics(task: Task, value: object) -> tuple[str, ...]:
    known = [m.name for m in task.metrics]
    if value in (None, "", []):
        return tuple(known)
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidEvaluation("metrics must be a list of metric names")
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise InvalidEvaluation(
            f"{task.name} has no metric {', '.join(unknown)}; it has: {', '.join(known)}"
        )
    return tuple(name for name in known if name in value)


def _columns(task: Task, value: object) -> dict[str, str]:
    if value in (None, ""):
        value = {}
    if not isinstance(value, dict):
        raise InvalidEvaluation("columns must map roles (input, label, ...) to column names")
    unknown = sorted(set(value) - set(task.columns))
    if unknown:
        raise InvalidEvaluation(
            f"{task.name} has no column role {', '.join(unknown)}; "
            f"its roles are: {', '.join(task.columns)}"
        )
    return {
        role: _name(f"columns.{role}", value.get(role), default)
        for role, default in task.columns.items()
    }


def _limit(value: object) -> int | None:
    if value in (None, "", 0):
        return None
    number = _integer("limit", value)
    if number < 1:
        raise InvalidEvaluation("limit must be a positive number of examples")
    return number


def _seed(value: object) -> int:
    if value in (None, ""):
        return 0
    number = _integer("seed", value)
    if not 0 <= number <= MAX_SEED:
        raise InvalidEvaluation(f"seed must be between 0 and {MAX_SEED}")
    return number


def _integer(field: str, value: object) -> int:
    if isinstance(value, bool):
        raise InvalidEvaluation(f"{field} must be an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidEvaluation(f"{field} must be an integer") from None
