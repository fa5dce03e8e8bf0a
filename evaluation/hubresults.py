"""Reads in the Hub's current eval-results format: a model's `evalResults` (`model_info`) and
a dataset's ranked leaderboard (`get_dataset_leaderboard`).

Verified results are this hub's own evaluation jobs on a dataset's leaderboards (the task id
is the board's slug, the value its main metric), each with a verify token. Community-reported
results are the entries of the model's `.eval_results/*.yaml` files, verified only when their
token proves them. A result is shown only to those who can see both its model and its
dataset.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from evaluation.errors import LeaderboardNotFound
from evaluation.hubformat import verify_token_claims, verify_token_issue
from evaluation.modelindex import SOURCE_NAME
from evaluation.models import EvaluationJob, Leaderboard, ReportedResult
from evaluation.services.proposals import job_path
from evaluation.specs import metric
from registry.models import Repo, User


def repo_info_listener(
    sender, *, repo: Repo, base_url: str, user: User | None = None, expand=(), **kwargs
) -> dict:
    """Listener of registry.signals.repo_info_extend: `evalResults`, when expanded."""
    if repo.type != Repo.Type.MODEL or "evalResults" not in expand:
        return {}
    return {"evalResults": model_eval_results(user=user, model=repo, base_url=base_url)}


def model_eval_results(*, user: User | None, model: Repo, base_url: str) -> list[dict]:
    """Verified results first (the latest succeeded job on each leaderboard the model is
    entered on, datasets the user sees only), then the entries of the model's own files."""
    verified = [_verified_json(board, job, base_url) for board, job in _verified(user, model)]
    rows = ReportedResult.objects.filter(model_repo=model).order_by("filename", "position")
    return verified + [_reported_json(row, model) for row in rows]


def _verified(user: User | None, model: Repo) -> list[tuple[Leaderboard, EvaluationJob]]:
    boards = (
        Leaderboard.objects.filter(
            dataset_repo__in=Repo.objects.visible_to(user), entries__model_repo=model
        )
        .select_related("dataset_repo__namespace")
        .order_by("created_at", "id")
    )
    found = []
    for board in boards:
        job = (
            _board_jobs(board)
            .filter(model_repo=model)
            .select_related("model_repo__namespace")
            .order_by("-created_at", "-id")
            .first()
        )
        if job is not None and board.main_metric in job.results:
            found.append((board, job))
    return found


def _board_jobs(board: Leaderboard):
    return EvaluationJob.objects.filter(
        spec_key=board.spec_key,
        dataset_fingerprint=board.dataset_fingerprint,
        state=EvaluationJob.State.SUCCEEDED,
    )


def verify_claims(board: Leaderboard, job: EvaluationJob) -> dict:
    """What a verified result's token signs."""
    return {
        "job": job.pk,
        "model": str(job.model_repo.storage_id),
        "modelId": job.model_repo.repo_id,
        "modelSha": job.model_sha,
        "dataset": board.dataset_repo.repo_id,
        "datasetSha": job.dataset_sha,
        "taskId": board.slug,
        "metric": board.main_metric,
        "value": job.results[board.main_metric],
    }


def _verified_json(board: Leaderboard, job: EvaluationJob, base_url: str) -> dict:
    claims = verify_claims(board, job)
    data = {
        "dataset": {
            "id": board.dataset_repo.repo_id,
            "task_id": board.slug,
            "revision": job.dataset_sha,
            "config": board.config,
            "split": board.split,
        },
        "value": claims["value"],
        "verifyToken": verify_token_issue(claims),
        "date": iso(job.finished_at) if job.finished_at else None,
        "source": {"url": base_url + job_path(job), "name": SOURCE_NAME},
        "notes": board.main_metric,
    }
    # Results of the hub's own jobs live in the hub, not in a file of the repo.
    return {"filename": None, "verified": True, "data": data}


def _reported_json(row: ReportedResult, model: Repo) -> dict:
    if row.error:
        return {"filename": row.filename, "error": row.error}
    data = dict(row.data)
    if "date" not in data and row.committed_at:
        data["date"] = iso(row.committed_at)  # the format's default: the commit's time
    proven = verify_token_claims(data.get("verifyToken"), model=model, entry=data)
    return {"filename": row.filename, "verified": proven is not None, "data": data}


def iso(moment: datetime) -> str:
    """UTC with milliseconds and a trailing Z, as the Hub writes dates."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Ranked:
    model: Repo
    value: float
    verified: bool
    filename: str | None
    source: dict | None
    notes: str | None
    when: datetime | None
    pull_request: int | None = None


def dataset_board(*, dataset: Repo, task_id: str | None) -> Leaderboard:
    """The leaderboard `task_id` names (a board's slug), else the dataset's first one."""
    boards = Leaderboard.objects.filter(dataset_repo=dataset).order_by("created_at", "id")
    board = boards.filter(slug=task_id).first() if task_id else boards.first()
    if board is None:
        task = f" for task {task_id}" if task_id else ""
        raise LeaderboardNotFound(f"Dataset {dataset.repo_id} has no leaderboard{task}")
    board.dataset_repo = dataset
    return board


def dataset_leaderboard(
    *, user: User, board: Leaderboard, base_model_only: bool, base_url: str
) -> list[Ranked]:
    """Ranked results on `board`: verified ones first, then community-reported ones, each
    best first by the board's main metric. Models the user cannot see are left out, and with
    `base_model_only` (the Hub's default) so are models whose card names a `base_model`."""
    visible = Repo.objects.visible_to(user)
    entered = board.entries.filter(model_repo__in=visible).values("model_repo")
    jobs = (
        _board_jobs(board)
        .filter(model_repo__in=entered)
        .select_related("model_repo__namespace", "pull_request")
        .order_by("created_at", "id")
    )
    latest = {job.model_repo_id: job for job in jobs if board.main_metric in job.results}
    ranked = [_job_ranked(board, job, base_url) for job in latest.values()]
    listed_jobs = {job.pk for job in latest.values()}
    reported = ReportedResult.objects.filter(
        dataset_id=board.dataset_repo.repo_id.lower(),
        task_id=board.slug,
        error="",
        model_repo__in=visible,
    ).select_related("model_repo__namespace")
    for row in reported:
        claims = verify_token_claims(
            row.data.get("verifyToken"), model=row.model_repo, entry=row.data
        )
        if claims is not None and claims.get("job") in listed_jobs:
            continue  # the same result the hub already lists from its job
        ranked.append(_row_ranked(row, verified=claims is not None))
    if base_model_only:
        ranked = [item for item in ranked if not _has_base(item.model)]
    sign = 1 if metric(board.task, board.main_metric).higher_is_better else -1
    return sorted(ranked, key=lambda r: (not r.verified, -sign * r.value, r.when is None, r.when))


def _job_ranked(board: Leaderboard, job: EvaluationJob, base_url: str) -> Ranked:
    return Ranked(
        model=job.model_repo,
        value=job.results[board.main_metric],
        verified=True,
        filename=None,
        source={"url": base_url + job_path(job), "name": SOURCE_NAME, "isExternal": False},
        notes=board.main_metric,
        when=job.finished_at,
        pull_request=job.pull_request.num if job.pull_request else None,
    )


def _row_ranked(row: ReportedResult, *, verified: bool) -> Ranked:
    source = row.data.get("source")
    return Ranked(
        model=row.model_repo,
        value=row.value,
        verified=verified,
        filename=row.filename,
        source={**source, "isExternal": True} if source else None,
        notes=row.data.get("notes"),
        when=row.committed_at,
    )


def _has_base(model: Repo) -> bool:
    card = model.card_data if isinstance(model.card_data, dict) else {}
    return bool(card.get("base_model"))
