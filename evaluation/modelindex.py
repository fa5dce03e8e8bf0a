"""The `model-index` of a model card: reading results out of it, and adding one to it."""

import yaml

from evaluation.specs import TASKS, metric
from registry.cards import card_metadata_check, split_front_matter

SOURCE_NAME = "Minihub evaluation"
_AVERAGED = {"f1", "precision", "recall"}
_ALIASES = {"sacrebleu": "bleu", "em": "exact_match", "exact": "exact_match", "ppl": "perplexity"}


def result_entry(
    *,
    task: str,
    dataset_id: str,
    config: str,
    split: str,
    revision: str,
    results: dict[str, float],
    url: str,
) -> dict:
    """One `model-index` result in the Hub's schema, marked as verified by this hub."""
    return {
        "task": {"type": task, "name": task.replace("-", " ").capitalize()},
        "dataset": {
            "name": dataset_id,
            "type": dataset_id,
            "config": config,
            "split": split,
            "revision": revision,
        },
        "metrics": [
            {
                "type": name,
                "value": round(float(value), 6),
                "name": metric(task, name).label,
                "verified": True,
            }
            for name, value in results.items()
        ],
        "source": {"name": SOURCE_NAME, "url": url},
    }


def card_with_result(text: str | None, *, model_name: str, entry: dict) -> str:
    """The card with `entry` added to (or replacing the same task, dataset, config and split
    in) its `model-index`; the Markdown body is kept byte for byte.

    The YAML is written anew (PyYAML keeps no comments or layout), the body untouched.
    """
    front, body = split_front_matter(text) if text is not None else (None, f"\n# {model_name}\n")
    data = card_metadata_check(text) if front else {}
    index = data.get("model-index")
    if not isinstance(index, list) or not index or not isinstance(index[0], dict):
        index = [{"name": model_name, "results": []}]
    results = index[0].get("results")
    results = [r for r in results if isinstance(r, dict)] if isinstance(results, list) else []
    index[0]["results"] = [r for r in results if _where(r) != _where(entry)] + [entry]
    data["model-index"] = index
    dumped = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return f"---\n{dumped}---\n{body}"


def _where(result: dict) -> tuple:
    task, dataset = result.get("task"), result.get("dataset")
    task = task if isinstance(task, dict) else {}
    dataset = dataset if isinstance(dataset, dict) else {}
    return (task.get("type"), dataset.get("type"), dataset.get("config"), dataset.get("split"))


def self_reported(card: dict, *, task: str, dataset_id: str, config: str, split: str) -> dict:
    """{metric: value} a card reports for this task and dataset, skipping results marked
    verified (this hub shows those from its own jobs, never from a card's word)."""
    found: dict[str, float] = {}
    index = card.get("model-index")
    known = {m.name for m in TASKS[task].metrics}
    for model in index if isinstance(index, list) else []:
        for result in _dicts(model.get("results") if isinstance(model, dict) else None):
            if not _matches(result, task=task, dataset_id=dataset_id, config=config, split=split):
                continue
            for item in _dicts(result.get("metrics")):
                name, value = _metric_name(item), item.get("value")
                if item.get("verified") is True or name not in known:
                    continue
                if isinstance(value, int | float) and not isinstance(value, bool):
                    found.setdefault(name, float(value))
    return found


def _matches(result: dict, *, task: str, dataset_id: str, config: str, split: str) -> bool:
    result_task, dataset = result.get("task"), result.get("dataset")
    if not isinstance(result_task, dict) or not isinstance(dataset, dict):
        return False
    if result_task.get("type") != task:
        return False
    if str(dataset.get("type", "")).lower() != dataset_id.lower():
        return False
    # A card that names no config or split is taken to mean the leaderboard's.
    return dataset.get("config") in (None, config) and dataset.get("split") in (None, split)


def _metric_name(item: dict) -> str:
    name = str(item.get("type", "")).strip().lower()
    args = item.get("args")
    if name in _AVERAGED and isinstance(args, dict) and args.get("average"):
        return f"{name}_{args['average']}"
    return {"rougel": "rougeL"}.get(name, _ALIASES.get(name, name))


def _dicts(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
