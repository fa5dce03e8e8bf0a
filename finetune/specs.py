"""What a fine-tune is, for the API and the pages: the tasks and their column roles, the
hyperparameters with CPU defaults and limits, settings checked with clear errors, and the
parameters the program (finetune/program.py) reads. Pure Python: web processes import it."""

import json
import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings

from finetune.errors import InvalidFinetune
from registry.errors import InvalidName
from registry.names import REPO_NAME_MAX, validate_namespace, validate_repo_name

# What a Job runs: this file, with the parameters as JSON in this variable (or a file argument).
PROGRAM = Path(__file__).with_name("program.py")
PARAMS_VARIABLE = "FINETUNE_PARAMS"


@dataclass(frozen=True)
class Task:
    name: str  # the Hub's pipeline tag, as the card and the hub's leaderboards name it
    label: str
    columns: dict[str, str]  # role -> default column; every role must name a column


TASKS = {
    task.name: task
    for task in (
        Task("text-classification", "Text classification", {"input": "text", "label": "label"}),
        Task(
            "token-classification",
            "Token classification",
            {"input": "tokens", "label": "ner_tags"},
        ),
        Task("translation", "Translation", {"input": "source", "label": "target"}),
        Task("summarization", "Summarization", {"input": "document", "label": "summary"}),
        Task("text-generation", "Causal language modeling", {"input": "text"}),
    )
}


@dataclass(frozen=True)
class Hyperparameter:
    name: str
    label: str
    kind: type  # int or float
    default: int | float | None  # None: unset unless given (max_steps)
    minimum: int | float
    maximum: int | float


# Defaults for a CPU: one short epoch of a small model.
HYPERPARAMETERS = {
    h.name: h
    for h in (
        Hyperparameter("epochs", "Epochs", float, 1.0, 0.01, 100),
        Hyperparameter("learning_rate", "Learning rate", float, 5e-5, 1e-7, 1.0),
        Hyperparameter("batch_size", "Batch size", int, 8, 1, 256),
        Hyperparameter("max_length", "Max length (tokens)", int, 128, 8, 4096),
        Hyperparameter("max_steps", "Max steps (stops early)", int, None, 1, 1_000_000),
        Hyperparameter("seed", "Seed", int, 42, 0, 2**31 - 1),
    )
}
_MAX_NAME = 100
# What a fine-tune asks for as its job's timeout when it names none (seconds), unless the
# operator's maximum is less; the least it may ask.
TIMEOUT_DEFAULT = 3600
TIMEOUT_MINIMUM = 60
# A translation dataset's one nested column ({"translation": {"en": ..., "fr": ...}}), as
# the Hub's translation datasets have it: the input role's default once languages are named.
NESTED_TRANSLATION = "translation"
_LANGUAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class Spec:
    """Checked settings of a fine-tune: everything the program needs but the hub's address."""

    base_model: str
    dataset: str
    config: str | None
    split: str
    eval_split: str | None
    task: str
    columns: dict[str, str]
    hyperparameters: dict[str, int | float | None]
    output_repo: str
    private: bool
    timeout: int  # seconds: the job's, not the program's
    # For translation from one nested column: the languages its input and label are in.
    source_lang: str | None = None
    target_lang: str | None = None


def timeout_limits() -> Hyperparameter:
    """The `timeout` setting as the form and the checks see it (its maximum is the operator's)."""
    maximum = settings.HUB_FINETUNE_MAX_TIMEOUT
    return Hyperparameter(
        "timeout", "Timeout (seconds)", int, min(TIMEOUT_DEFAULT, maximum), TIMEOUT_MINIMUM, maximum
    )


def spec_normalize(
    *,
    owner: str,
    base_model: object,
    dataset: object,
    task: object,
    config: object = None,
    split: object = None,
    eval_split: object = None,
    columns: object = None,
    hyperparameters: object = None,
    output_repo: object = None,
    private: object = False,
    timeout: object = None,
    source_lang: object = None,
    target_lang: object = None,
) -> Spec:
    """Settings from a form or a JSON body, defaults filled; InvalidFinetune names what is
    wrong. The output repo defaults to `<owner>/<base name>-<dataset name>`."""
    if task not in TASKS:
        raise InvalidFinetune(f"task must be one of {', '.join(TASKS)}; got {task!r}")
    base_model, dataset = _repo_id("base_model", base_model), _repo_id("dataset", dataset)
    languages = _languages(task, source_lang, target_lang)
    defaults = TASKS[task].columns
    if languages != (None, None):
        defaults = dict.fromkeys(defaults, NESTED_TRANSLATION)
    return Spec(
        base_model=base_model,
        dataset=dataset,
        config=_name("config", config, None),
        split=_name("split", split, "train"),
        eval_split=_name("eval_split", eval_split, None),
        task=task,
        columns=_columns(TASKS[task], columns, defaults),
        hyperparameters=_hyperparameters(hyperparameters),
        output_repo=_repo_id(
            "output_repo", output_repo or _default_output(owner, base_model, dataset)
        ),
        private=_flag("private", private),
        timeout=_number(timeout_limits(), timeout),
        source_lang=languages[0],
        target_lang=languages[1],
    )


def program_parameters(spec: Spec) -> dict:
    """The JSON object finetune/program.py reads (its `Settings`)."""
    parameters = asdict(spec)
    del parameters["timeout"]
    parameters["hyperparameters"] = {k: v for k, v in spec.hyperparameters.items() if v is not None}
    return parameters


def program_environment(spec: Spec, *, base_revision: str | None = None) -> dict[str, str]:
    """The environment a Job running PROGRAM is given, besides HF_ENDPOINT and HF_TOKEN."""
    parameters = program_parameters(spec)
    if base_revision:
        parameters["base_revision"] = base_revision
    return {PARAMS_VARIABLE: json.dumps(parameters)}


def _default_output(owner: str, base_model: str, dataset: str) -> str:
    name = f"{base_model.split('/')[-1]}-{dataset.split('/')[-1]}"
    return f"{owner}/{name[:REPO_NAME_MAX].strip('-.')}"


def _repo_id(field: str, value: object) -> str:
    if not isinstance(value, str) or value.count("/") != 1:
        raise InvalidFinetune(f"{field} must be a repo id like 'namespace/name'; got {value!r}")
    namespace, name = value.strip().split("/")
    try:
        validate_namespace(namespace)
        validate_repo_name(name)
    except InvalidName as exc:
        raise InvalidFinetune(f"{field}: {exc.message}") from exc
    return f"{namespace}/{name}"


def _name(field: str, value: object, default: str | None) -> str | None:
    if value in (None, ""):
        return default
    if not isinstance(value, str) or len(value) > _MAX_NAME or not value.strip():
        raise InvalidFinetune(f"{field} must be a name of at most {_MAX_NAME} characters")
    return value.strip()


def _languages(task: str, source: object, target: object) -> tuple[str | None, str | None]:
    """Both languages of a nested translation column, or neither."""
    given = {name: value for name, value in (("source_lang", source), ("target_lang", target))
             if value not in (None, "")}  # fmt: skip
    if not given:
        return None, None
    if task != "translation":
        raise InvalidFinetune(f"{', '.join(given)} applies to translation only, not {task}")
    for name in ("source_lang", "target_lang"):
        value = given.get(name)
        if value is None:
            raise InvalidFinetune(f"{name} is required with {', '.join(given)}")
        if not isinstance(value, str) or not _LANGUAGE.match(value.strip()):
            raise InvalidFinetune(f"{name} must be a language code like 'en'; got {value!r}")
    return given["source_lang"].strip(), given["target_lang"].strip()


def _columns(task: Task, value: object, defaults: dict[str, str]) -> dict[str, str]:
    if value in (None, ""):
        value = {}
    if not isinstance(value, dict):
        raise InvalidFinetune("columns must map roles (input, label) to column names")
    unknown = sorted(set(value) - set(task.columns))
    if unknown:
        raise InvalidFinetune(
            f"{task.name} has no column role {', '.join(unknown)}; "
            f"its roles are: {', '.join(task.columns)}"
        )
    return {
        role: _name(f"columns.{role}", value.get(role), default)
        for role, default in defaults.items()
    }


def _hyperparameters(value: object) -> dict[str, int | float | None]:
    if value in (None, ""):
        value = {}
    if not isinstance(value, dict):
        raise InvalidFinetune("hyperparameters must map names to numbers")
    unknown = sorted(set(value) - set(HYPERPARAMETERS))
    if unknown:
        raise InvalidFinetune(
            f"unknown hyperparameter {', '.join(unknown)}; "
            f"the hyperparameters are: {', '.join(HYPERPARAMETERS)}"
        )
    return {name: _number(h, value.get(name)) for name, h in HYPERPARAMETERS.items()}


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _number(h: Hyperparameter, value: object) -> int | float | None:
    """A number of the hyperparameter's kind, from JSON or a form's text, within its limits."""
    if value in (None, ""):
        return h.default
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, bool) or (isinstance(text, str) and not _NUMBER.fullmatch(text)):
        raise InvalidFinetune(f"{h.name} must be a number; got {value!r}")
    try:
        number = float(text)
    except (TypeError, ValueError) as exc:
        raise InvalidFinetune(f"{h.name} must be a number; got {value!r}") from exc
    if h.kind is int and not number.is_integer():
        raise InvalidFinetune(f"{h.name} must be a whole number; got {value!r}")
    if not math.isfinite(number) or not h.minimum <= number <= h.maximum:
        raise InvalidFinetune(f"{h.name} must be between {h.minimum:g} and {h.maximum:g}")
    return int(number) if h.kind is int else number


def _flag(field: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "on", "1"):
        return True
    if value in ("false", "off", "0", "", None):
        return False
    raise InvalidFinetune(f"{field} must be true or false")
