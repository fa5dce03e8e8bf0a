"""The Hub's current eval-results format: `.eval_results/*.yaml` entries in model repos, and
the verify tokens that mark a result as produced by this hub's own evaluation jobs.

An entry (huggingface_hub's `EvalResultEntry`): `dataset` {id, task_id, revision?}, `value`,
and optionally `verifyToken`, `date`, `source` {url, name?, user?, org?}, `notes`. A task id
names one of the dataset's leaderboards (its slug).

A verify token is `django.core.signing` over the claims of one result (the job, the model
by its immutable id, the dataset, the task, the value): anyone can read the claims, only the
hub (its SECRET_KEY) can make a token that checks. No expiry: a result stays true.
"""

import math

import yaml
from django.core import signing

from evaluation.errors import InvalidEvaluation
from registry.cards import yaml_bounded_load
from registry.models import Repo

SALT = "minihub.eval-results.verify"
MAX_FILES = 100
MAX_FILE_BYTES = 256 * 1024
FOLDER = ".eval_results"


class InvalidVerifyToken(InvalidEvaluation):
    code = "InvalidVerifyToken"
    message = "This verify token was not issued by this hub, or was altered"


def entries_parse(text: str) -> list[dict]:
    """The entries of one `.eval_results/*.yaml` file, each checked and kept with only the
    format's fields. Raises InvalidEvaluation naming the first problem."""
    try:
        data = yaml_bounded_load(text)
    except yaml.YAMLError as exc:
        raise InvalidEvaluation(f"Invalid YAML: {exc}") from None
    if not isinstance(data, list):
        raise InvalidEvaluation("The file must hold a list of results")
    return [_entry(item, position) for position, item in enumerate(data)]


def _entry(item: object, position: int) -> dict:
    where = f"result {position + 1}"
    dataset = item.get("dataset") if isinstance(item, dict) else None
    if not isinstance(dataset, dict):
        raise InvalidEvaluation(f"{where}: `dataset` must be a mapping with `id` and `task_id`")
    for key in ("id", "task_id"):
        if not isinstance(dataset.get(key), str) or not dataset[key].strip():
            raise InvalidEvaluation(f"{where}: `dataset.{key}` must be a string")
    value = item.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidEvaluation(f"{where}: `value` must be a number")
    source = item.get("source")
    if source is not None and not (isinstance(source, dict) and isinstance(source.get("url"), str)):
        raise InvalidEvaluation(f"{where}: `source` needs a `url`")
    entry: dict = {
        "dataset": {
            key: str(dataset[key])
            for key in ("id", "task_id", "revision", "config", "split")
            if dataset.get(key) is not None
        },
        "value": value,
    }
    for key in ("verifyToken", "date", "notes"):
        if item.get(key) is not None:
            entry[key] = str(item[key])
    if source is not None:
        entry["source"] = {
            key: str(source[key]) for key in ("url", "name", "user", "org") if key in source
        }
    return entry


def verify_token_issue(claims: dict) -> str:
    return signing.dumps(claims, salt=SALT, compress=True)


def verify_token_read(token: str) -> dict:
    """The claims a token signs (InvalidVerifyToken unless this hub signed them)."""
    try:
        claims = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise InvalidVerifyToken() from None
    if not isinstance(claims, dict):
        raise InvalidVerifyToken()
    return claims


def verify_token_claims(token: object, *, model: Repo, entry: dict) -> dict | None:
    """The claims of `token` if it proves `entry` for `model`: signed by this hub, for this
    model (by its immutable id, so a copy in another repo does not verify), dataset, task
    and value. None otherwise."""
    if not isinstance(token, str):
        return None
    try:
        claims = verify_token_read(token)
    except InvalidVerifyToken:
        return None
    dataset = entry.get("dataset", {})
    value = claims.get("value")
    proves = (
        claims.get("model") == str(model.storage_id)
        and str(claims.get("dataset", "")).lower() == str(dataset.get("id", "")).lower()
        and claims.get("taskId") == dataset.get("task_id")
        and isinstance(value, int | float)
        and math.isclose(value, entry.get("value"), rel_tol=1e-9, abs_tol=1e-12)
    )
    return claims if proves else None
