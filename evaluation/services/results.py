"""Community-reported results: the `.eval_results/*.yaml` files at the head of each model's
main branch, indexed when main moves.

Read on the commit path rather than when asked: a dataset's leaderboard must find every
model's results for that dataset, and reading each model repo's files per request would scan
them all. The index is one query away and never older than main (it is refreshed by
`repo_main_moved`, which every change to main sends). The files are read through
registry.repofiles like every repo byte; a file that cannot be read or parsed is kept as one
row with its error, which the API reports as the Hub does (`{"filename", "error"}`).
"""

from datetime import datetime

from django.db import transaction

from evaluation.hubformat import FOLDER, MAX_FILE_BYTES, MAX_FILES, entries_parse
from evaluation.models import ReportedResult
from registry import errors
from registry.gitstore import GitRepo
from registry.models import Repo
from registry.repofiles import repo_file_at


def reported_results_refresh(*, repo: Repo) -> None:
    """Replaces `repo`'s reported results with what its main branch's `.eval_results/` holds."""
    if repo.type != Repo.Type.MODEL:
        return
    rows = _read(repo) if repo.head_sha else []
    with transaction.atomic():
        ReportedResult.objects.filter(model_repo=repo).delete()
        ReportedResult.objects.bulk_create(rows)


def repo_main_moved_listener(*, repo: Repo, **kwargs) -> None:
    reported_results_refresh(repo=repo)


def _read(repo: Repo) -> list[ReportedResult]:
    git = GitRepo(repo.storage_id)
    sha = repo.head_sha
    folder = git.entry(sha, FOLDER)
    if folder is None or folder.type != "directory":
        return []
    paths = [
        entry.path
        for entry in git.list_tree(sha, FOLDER)
        if entry.type == "file" and entry.path.endswith((".yaml", ".yml"))
    ]
    committed = git.commit_info(sha).date
    rows: list[ReportedResult] = []
    for path in paths[:MAX_FILES]:
        rows += _file_rows(repo, git, sha, path, committed)
    return rows


def _file_rows(
    repo: Repo, git: GitRepo, sha: str, path: str, committed: datetime
) -> list[ReportedResult]:
    try:
        raw = repo_file_at(repo=repo, git=git, sha=sha, path=path).read(limit=MAX_FILE_BYTES)
        entries = entries_parse(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return [ReportedResult(model_repo=repo, filename=path, error="The file is not UTF-8")]
    except errors.HubError as exc:
        return [ReportedResult(model_repo=repo, filename=path, error=exc.message)]
    return [
        ReportedResult(
            model_repo=repo,
            filename=path,
            position=position,
            dataset_id=entry["dataset"]["id"].lower(),
            task_id=entry["dataset"]["task_id"],
            value=float(entry["value"]),
            data=entry,
            committed_at=committed,
        )
        for position, entry in enumerate(entries)
    ]
