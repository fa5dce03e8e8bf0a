"""The evaluation API: jobs and leaderboards as JSON (and a leaderboard as CSV)."""

import csv

from django.http import HttpRequest, HttpResponse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from evaluation import hubresults, selectors
from evaluation.errors import InvalidEvaluation
from evaluation.hubformat import verify_token_read
from evaluation.models import EvaluationJob, Leaderboard
from evaluation.selectors import Row
from evaluation.services.jobs import job_cancel, job_rerun, job_submit
from evaluation.services.leaderboards import (
    leaderboard_create,
    leaderboard_delete,
    leaderboard_submit,
    leaderboard_update,
)
from evaluation.services.proposals import job_path, result_propose
from registry.models import Repo
from registry.request import api_repo, base_url, caller, repo_url
from registry.selectors import repo_get_visible


def _date(value) -> str | None:
    return (
        value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
        if value
        else None
    )


def _repo(request: HttpRequest, repo_type: str, repo_id: object) -> Repo:
    if not isinstance(repo_id, str) or repo_id.count("/") != 1:
        raise InvalidEvaluation(f"{repo_type} must be a repo id like 'namespace/name'")
    namespace, name = repo_id.split("/")
    return repo_get_visible(
        user=request.user, repo_type=repo_type, namespace=namespace, name=name, follow_moves=False
    )


def job_json(request: HttpRequest, job: EvaluationJob) -> dict:
    base = base_url(request)
    pull = job.pull_request
    return {
        "id": job.pk,
        "url": base + job_path(job),
        "state": job.state,
        "model": {
            "id": job.model_repo.repo_id,
            "sha": job.model_sha,
            "parameters": job.model_parameters,
        },
        "dataset": {"id": job.dataset_repo.repo_id, "sha": job.dataset_sha},
        "config": job.config,
        "split": job.split,
        "task": job.task,
        "metrics": job.metrics,
        "columns": job.columns,
        "limit": job.limit,
        "seed": job.seed,
        "progress": {
            "done": job.progress_done,
            "total": job.progress_total,
            "percent": job.percent,
        },
        "results": job.results,
        "samples": job.samples,
        "error": job.error or None,
        "logs": job.logs,
        "duration": job.duration,
        "environment": job.environment,
        "attempts": job.attempts,
        # Where the latest attempt ran: operators find (or stop) the worker process by it.
        "worker": {"host": job.worker_host, "pid": job.worker_pid} if job.worker_pid else None,
        "rerun_of": job.rerun_of_id,
        "created_by": job.created_by.username if job.created_by else None,
        "created_at": _date(job.created_at),
        "started_at": _date(job.started_at),
        "finished_at": _date(job.finished_at),
        "heartbeat_at": _date(job.heartbeat_at),
        "pull_request": {
            "num": pull.num,
            "url": f"{repo_url(request, job.model_repo)}/discussions/{pull.num}",
        }
        if pull
        else None,
    }


class JobsView(APIView):
    def get(self, request: Request) -> Response:
        """Evaluation jobs the caller can see (both repos), newest first, at most 500.

        `?model=ns/name` and `?dataset=ns/name` filter.
        """
        jobs = selectors.jobs_list(
            user=request.user, model=request.GET.get("model"), dataset=request.GET.get("dataset")
        )
        return Response([job_json(request, job) for job in jobs[:500]])

    def post(self, request: Request) -> Response:
        """Submits an evaluation job: 201 with a new job, 200 with the one that already
        evaluates the same files with the same settings.

        JSON: `model`, `dataset` (required), `model_revision`, `dataset_revision`, `task`,
        `config`, `split`, `metrics`, `columns` ({role: column}), `limit`, `seed`.
        """
        user, token = caller(request)
        body = _body(request)
        job, created = job_submit(
            user=user,
            token=token,
            model=_repo(request, "model", body.get("model")),
            model_revision=str(body.get("model_revision") or "main"),
            dataset=_repo(request, "dataset", body.get("dataset")),
            dataset_revision=str(body.get("dataset_revision") or "main"),
            options=body,
        )
        return Response(job_json(request, job), status=201 if created else 200)


def _body(request: Request) -> dict:
    if not isinstance(request.data, dict):
        raise InvalidEvaluation("The request body must be a JSON object")
    return request.data


class JobView(APIView):
    def get(self, request: Request, job_id: int) -> Response:
        """One job: state, progress, results, logs, duration and library versions."""
        return Response(
            job_json(request, selectors.job_get_visible(user=request.user, job_id=job_id))
        )


_ACTIONS = {"cancel": job_cancel, "rerun": job_rerun}


class JobActionView(APIView):
    """`cancel` a queued or running job; `rerun` a finished one (answers the new job); open a
    `pull-request` adding a succeeded job's result to the model card's `model-index`."""

    def post(self, request: Request, job_id: int, action: str) -> Response:
        user, token = caller(request)
        job = selectors.job_get_visible(user=user, job_id=job_id)
        if action == "pull-request":
            proposed_before = job.pull_request_id is not None
            result_propose(user=user, token=token, job=job, base_url=base_url(request))
            job.refresh_from_db()
            return Response(job_json(request, job), status=200 if proposed_before else 201)
        answer = _ACTIONS[action](user=user, token=token, job=job)
        return Response(job_json(request, answer), status=201 if action == "rerun" else 200)


class LeaderboardsView(APIView):
    def get(self, request: Request) -> Response:
        """Leaderboards on datasets the caller can see; `?dataset=ns/name` filters."""
        dataset = request.GET.get("dataset")
        repo = _repo(request, "dataset", dataset) if dataset else None
        boards = selectors.leaderboards_visible(user=request.user, dataset=repo)
        return Response([board_summary(request, board) for board in boards[:500]])

    def post(self, request: Request) -> Response:
        """Defines a leaderboard on a dataset the caller can write to.

        JSON: `dataset`, `slug`, `task` (required), `title`, `description`,
        `dataset_revision` (a branch is tracked, a commit id pinned), `config`, `split`,
        `metrics`, `main_metric`, `columns`, `limit`, `seed`, `auto_propose`.
        """
        user, token = caller(request)
        body = _body(request)
        board = leaderboard_create(
            user=user,
            token=token,
            dataset=_repo(request, "dataset", body.get("dataset")),
            options=body,
        )
        return Response(board_summary(request, board), status=201)


def board_summary(request: HttpRequest, board: Leaderboard) -> dict:
    return {
        "dataset": board.dataset_repo.repo_id,
        "slug": board.slug,
        "title": board.title,
        "description": board.description,
        "url": f"{base_url(request)}/leaderboards/{board.path}",
        "dataset_revision": board.dataset_revision,
        "tracks_branch": board.tracks_branch,
        "dataset_sha": board.dataset_sha,
        "config": board.config,
        "split": board.split,
        "task": board.task,
        "metrics": board.metrics,
        "main_metric": board.main_metric,
        "columns": board.columns,
        "limit": board.limit,
        "seed": board.seed,
        "auto_propose": board.auto_propose,
    }


def row_json(request: HttpRequest, row: Row) -> dict:
    return {
        "rank": row.rank,
        "model": row.model.repo_id,
        "verified": row.verified,
        "sha": row.sha or None,
        "parameters": row.parameters,
        "results": row.values,
        "job": base_url(request) + job_path(row.job) if row.job else None,
        "state": row.job.state if row.job else None,
        "pending": {
            "id": row.pending.pk,
            "state": row.pending.state,
            "done": row.pending.progress_done,
            "total": row.pending.progress_total,
            "percent": row.pending.percent,
        }
        if row.pending
        else None,
    }


class LeaderboardView(APIView):
    """A leaderboard's settings and ranked rows (verified and self-reported); `.csv` as CSV."""

    def get(
        self, request: Request, namespace: str, dataset: str, slug: str, fmt: str | None = None
    ) -> Response | HttpResponse:
        board = selectors.leaderboard_get_visible(
            user=request.user, namespace=namespace, dataset=dataset, slug=slug
        )
        rows = selectors.leaderboard_rows(user=request.user, board=board)
        if fmt == "csv":
            return leaderboard_csv(board, rows)
        return Response(
            {**board_summary(request, board), "rows": [row_json(request, row) for row in rows]}
        )

    def patch(
        self, request: Request, namespace: str, dataset: str, slug: str, fmt=None
    ) -> Response:
        """Changes `title`, `description`, `main_metric` or `auto_propose` (dataset writers)."""
        board = selectors.leaderboard_get_visible(
            user=request.user, namespace=namespace, dataset=dataset, slug=slug
        )
        user, token = caller(request)
        board = leaderboard_update(user=user, token=token, board=board, changes=_body(request))
        return Response(board_summary(request, board))

    def delete(
        self, request: Request, namespace: str, dataset: str, slug: str, fmt=None
    ) -> Response:
        """Removes the leaderboard; the evaluation jobs and their results stay."""
        board = selectors.leaderboard_get_visible(
            user=request.user, namespace=namespace, dataset=dataset, slug=slug
        )
        user, token = caller(request)
        leaderboard_delete(user=user, token=token, board=board)
        return Response(status=204)


def leaderboard_csv(board: Leaderboard, rows: list[Row]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{board.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(["rank", "model", "source", "commit", "parameters", *board.metrics])
    for row in rows:
        if not row.values:
            continue
        writer.writerow(
            [
                row.rank or "",
                row.model.repo_id,
                "verified" if row.verified else "self-reported",
                row.sha,
                row.parameters or "",
                *(row.values.get(m, "") for m in board.metrics),
            ]
        )
    return response


class LeaderboardSubmitView(APIView):
    """Enters a model (`{"model": "ns/name", "revision": "main"}`) and queues its evaluation."""

    def post(self, request: Request, namespace: str, dataset: str, slug: str) -> Response:
        user, token = caller(request)
        board = selectors.leaderboard_get_visible(
            user=user, namespace=namespace, dataset=dataset, slug=slug
        )
        body = _body(request)
        _, job = leaderboard_submit(
            user=user,
            token=token,
            board=board,
            model=_repo(request, "model", body.get("model")),
            revision=str(body.get("revision") or "main"),
        )
        return Response(job_json(request, job), status=201)


def ranked_json(position: int, item: hubresults.Ranked) -> dict:
    namespace = item.model.namespace
    return {
        "rank": position,
        "modelId": item.model.repo_id,
        "value": item.value,
        "filename": item.filename,
        "verified": item.verified,
        "source": item.source,
        "author": {"type": namespace.kind, "name": namespace.name},
        "pullRequest": item.pull_request,
        "notes": item.notes,
    }


class DatasetLeaderboardView(APIView):
    """`get_dataset_leaderboard(dataset)`: the dataset's first leaderboard (`?task_id=` names
    another by its slug), verified results ranked first. `?base_model=false` includes models
    whose card names a base model, which the Hub leaves out by default."""

    def get(self, request: Request, namespace: str, name: str) -> Response:
        dataset = api_repo(request, "datasets", namespace, name)
        board = hubresults.dataset_board(dataset=dataset, task_id=request.GET.get("task_id"))
        ranked = hubresults.dataset_leaderboard(
            user=request.user,
            board=board,
            base_model_only=request.GET.get("base_model", "true").lower() != "false",
            base_url=base_url(request),
        )
        return Response([ranked_json(n, item) for n, item in enumerate(ranked, start=1)])


class VerifyTokenView(APIView):
    """`?token=`: the claims of a verify token this hub signed (the job, model and commit,
    dataset and commit, task, metric and value), or a 400 InvalidVerifyToken."""

    def get(self, request: Request) -> Response:
        return Response({"valid": True, "claims": verify_token_read(request.GET.get("token", ""))})
