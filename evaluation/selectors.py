"""Reads. A job is visible to whoever can see both its repos; a leaderboard to whoever can see
its dataset, and each of its rows only to those who can see the row's model."""

from dataclasses import dataclass

from django.db.models import QuerySet

from evaluation.errors import EvaluationNotFound, LeaderboardNotFound
from evaluation.modelindex import self_reported
from evaluation.models import EvaluationJob, Leaderboard, ReportedResult
from evaluation.services.jobs import jobs_reap_stale
from evaluation.specs import metric
from registry import errors
from registry.models import Repo, User
from registry.selectors import repo_get_visible

State = EvaluationJob.State


def jobs_visible(*, user: User) -> QuerySet:
    visible = Repo.objects.visible_to(user)
    return (
        EvaluationJob.objects.filter(model_repo__in=visible, dataset_repo__in=visible)
        .select_related("model_repo__namespace", "dataset_repo__namespace", "pull_request")
        .order_by("-created_at", "-id")
    )


def job_get_visible(*, user: User, job_id: int) -> EvaluationJob:
    """The job if `user` may see it (EvaluationNotFound otherwise, as for a missing one).

    Reading a job is also when stale running jobs are found and requeued or failed.
    """
    jobs_reap_stale()
    job = jobs_visible(user=user).filter(pk=job_id).first()
    if job is None:
        raise EvaluationNotFound(f"Evaluation job {job_id} not found")
    return job


def jobs_list(*, user: User, model: str | None = None, dataset: str | None = None) -> QuerySet:
    """Visible jobs, newest first, for a model and/or a dataset named `namespace/name`."""
    jobs_reap_stale()
    jobs = jobs_visible(user=user)
    for repo_type, repo_id in (("model", model), ("dataset", dataset)):
        if repo_id:
            namespace, _, name = repo_id.partition("/")
            repo = repo_get_visible(
                user=user, repo_type=repo_type, namespace=namespace, name=name, follow_moves=False
            )
            jobs = jobs.filter(**{f"{repo_type}_repo": repo})
    return jobs


def leaderboard_get_visible(*, user: User, namespace: str, dataset: str, slug: str) -> Leaderboard:
    try:
        repo = repo_get_visible(
            user=user, repo_type="dataset", namespace=namespace, name=dataset, follow_moves=False
        )
    except errors.RepoNotFound:
        raise LeaderboardNotFound() from None
    board = Leaderboard.objects.filter(dataset_repo=repo, slug=slug).first()
    if board is None:
        raise LeaderboardNotFound(f"Leaderboard {namespace}/{dataset}/{slug} not found")
    board.dataset_repo = repo
    return board


def leaderboards_visible(*, user: User, dataset: Repo | None = None) -> QuerySet:
    boards = Leaderboard.objects.filter(dataset_repo__in=Repo.objects.visible_to(user))
    if dataset is not None:
        boards = boards.filter(dataset_repo=dataset)
    return boards.select_related("dataset_repo__namespace").order_by("-created_at")


@dataclass
class Row:
    model: Repo
    verified: bool
    values: dict[str, float]
    sha: str = ""
    parameters: int | None = None
    job: EvaluationJob | None = None
    pending: EvaluationJob | None = None  # a newer evaluation queued or running
    rank: int | None = None


def leaderboard_rows(*, user: User, board: Leaderboard) -> list[Row]:
    """Ranked rows: each entered model's latest verified result at the board's dataset files,
    then results models report themselves in their cards, marked so and not ranked."""
    jobs_reap_stale()
    visible = Repo.objects.visible_to(user)
    jobs = (
        EvaluationJob.objects.filter(
            spec_key=board.spec_key,
            dataset_fingerprint=board.dataset_fingerprint,
            model_repo__in=board.entries.filter(model_repo__in=visible).values("model_repo"),
        )
        .select_related("model_repo__namespace")
        .order_by("created_at", "id")
    )
    latest: dict[int, Row] = {}
    pending: dict[int, EvaluationJob] = {}
    stopped: dict[int, EvaluationJob] = {}
    for job in jobs:
        if job.state == State.SUCCEEDED:
            latest[job.model_repo_id] = Row(
                model=job.model_repo,
                verified=True,
                values=job.results,
                sha=job.model_sha,
                parameters=job.model_parameters,
                job=job,
            )
        elif job.state in (State.QUEUED, State.RUNNING):
            pending[job.model_repo_id] = job
        else:
            stopped[job.model_repo_id] = job
    rows = list(latest.values())
    for model_id, job in pending.items():
        if model_id in latest:
            latest[model_id].pending = job
        else:
            rows.append(Row(model=job.model_repo, verified=True, values={}, pending=job))
    # A model with nothing better to show shows why: its failed (or cancelled) evaluation.
    shown = latest.keys() | pending.keys()
    rows += [
        Row(model=job.model_repo, verified=True, values={}, sha=job.model_sha, job=job)
        for model_id, job in stopped.items()
        if model_id not in shown
    ]
    rows += _self_reported(user=user, board=board)
    rows += _file_reported(user=user, board=board)
    return rank(rows, board.task, board.main_metric)


# Leaderboards a model page ranks it on: each one ranks its whole board, so a few.
RANKED_BOARDS_SHOWN = 5


@dataclass(frozen=True)
class Placing:
    board: Leaderboard
    rank: int
    ranked: int  # rows with a rank on the board


def model_placings(*, user: User, model: Repo) -> list[Placing]:
    """Where `model` ranks on the visible leaderboards it was entered on (unranked: left out)."""
    boards = leaderboards_visible(user=user).filter(entries__model_repo=model).distinct()
    placings = []
    for board in boards[:RANKED_BOARDS_SHOWN]:
        rows = leaderboard_rows(user=user, board=board)
        ranks = [row.rank for row in rows if row.model.pk == model.pk and row.rank]
        if ranks:
            ranked = sum(1 for row in rows if row.rank)
            placings.append(Placing(board=board, rank=ranks[0], ranked=ranked))
    return placings


def rank(rows: list[Row], task: str, main: str) -> list[Row]:
    """Verified rows with a value first, best main metric first (ties: older result first)."""
    sign = 1 if metric(task, main).higher_is_better else -1

    def order(row: Row) -> tuple:
        value = row.values.get(main)
        return (not row.verified, value is None, -sign * value if value is not None else 0)

    ordered = sorted(rows, key=order)
    position = 0
    for row in ordered:
        if row.verified and main in row.values:
            position += 1
            row.rank = position
    return ordered


def _self_reported(*, user: User, board: Leaderboard) -> list[Row]:
    """Results cards claim for this dataset and task (`model-index`), read from the card
    at each visible model's main branch."""
    from evaluation.repofiles import parameter_count

    dataset_id = board.dataset_repo.repo_id
    candidates = (
        Repo.objects.visible_to(user)
        .filter(type=Repo.Type.MODEL, pipeline_tag=board.task)
        .select_related("namespace")
        .order_by("-last_modified")[:500]
    )
    rows = []
    for repo in candidates:
        values = self_reported(
            repo.card_data if isinstance(repo.card_data, dict) else {},
            task=board.task,
            dataset_id=dataset_id,
            config=board.config,
            split=board.split,
        )
        values = {name: value for name, value in values.items() if name in board.metrics}
        if values and repo.head_sha:
            rows.append(
                Row(
                    model=repo,
                    verified=False,
                    values=values,
                    sha=repo.head_sha,
                    parameters=parameter_count(repo, repo.head_sha),
                )
            )
    return rows


def _file_reported(*, user: User, board: Leaderboard) -> list[Row]:
    """Results models report in `.eval_results/*.yaml` for this board (its slug as the task
    id), as the board's main metric; shown apart from verified rows, never ranked."""
    reported = ReportedResult.objects.filter(
        dataset_id=board.dataset_repo.repo_id.lower(),
        task_id=board.slug,
        error="",
        model_repo__in=Repo.objects.visible_to(user),
    ).select_related("model_repo__namespace")
    return [
        Row(
            model=row.model_repo,
            verified=False,
            values={board.main_metric: row.value},
            sha=row.model_repo.head_sha,
        )
        for row in reported
    ]


def model_results(*, user: User, repo: Repo) -> dict:
    """The context of templates/evaluation/model_results.html for a model or dataset repo."""
    jobs = jobs_visible(user=user)
    if repo.type == Repo.Type.DATASET:
        jobs = jobs.filter(dataset_repo=repo)
        boards = list(leaderboards_visible(user=user, dataset=repo))
    else:
        jobs = jobs.filter(model_repo=repo)
        boards = []
    return {
        "evaluation_repo": repo,
        "evaluation_jobs": list(jobs[:100]),
        "evaluation_leaderboards": boards,
        "evaluation_new_url": _new_url(repo),
    }


def _new_url(repo: Repo) -> str:
    field_name = "dataset" if repo.type == Repo.Type.DATASET else "model"
    return f"/evaluations/new?{field_name}={repo.repo_id}"
