"""The comparison as the API answers it (camelCase keys, as the Hub's API writes them)."""

from compare.files import FileChange
from compare.selectors import Comparison
from compare.tensors import HeaderDiff
from registry.safetensors import Tensor


def comparison_json(comparison: Comparison) -> dict:
    return {
        "base": {"revision": comparison.base_rev, "sha": comparison.base},
        "head": {"revision": comparison.head_rev, "sha": comparison.head},
        "totalFiles": comparison.total,
        "files": [_change(change) for change in comparison.changes],
        "evaluations": [{**row.__dict__, "delta": row.delta} for row in comparison.evaluations],
    }


def _change(change: FileChange) -> dict:
    answer = {
        "path": change.path,
        "status": change.status,
        "oldPath": change.old_path or None,
        "kind": change.kind,
        "baseSize": change.base.size if change.base else None,
        "headSize": change.head.size if change.head else None,
    }
    if change.lines:
        answer["diff"] = [text for _, text in change.lines]
        answer["truncated"] = change.truncated
    if change.config:
        answer["config"] = [row.__dict__ for row in change.config]
    if change.tensors is not None:
        answer["tensors"] = _tensors(change.tensors)
        answer["data"] = change.data.as_dict() if change.data else None
    if change.note:
        answer["note"] = change.note
    return answer


def _tensors(diff: HeaderDiff) -> dict:
    return {
        "added": [_tensor(t) for t in diff.added],
        "removed": [_tensor(t) for t in diff.removed],
        "reshaped": [
            {"name": a.name, "base": _tensor(a), "head": _tensor(b)} for a, b in diff.reshaped
        ],
        "retyped": [
            {"name": a.name, "base": _tensor(a), "head": _tensor(b)} for a, b in diff.retyped
        ],
        "unchanged": len(diff.same_layout),
    }


def _tensor(tensor: Tensor) -> dict:
    return {"name": tensor.name, "dtype": tensor.dtype, "shape": list(tensor.shape)}
