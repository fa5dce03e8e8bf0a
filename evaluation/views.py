"""Evaluation pages: submit a job, watch it, leaderboards, and a model's results."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from evaluation import plots, selectors
from evaluation.forms import JobForm, LeaderboardForm, LeaderboardSettingsForm, SubmitForm
from evaluation.models import Leaderboard
from evaluation.selectors import Row
from evaluation.services.jobs import job_cancel, job_rerun, job_submit
from evaluation.services.leaderboards import EDITABLE as LEADERBOARD_EDITABLE
from evaluation.services.leaderboards import (
    leaderboard_create,
    leaderboard_delete,
    leaderboard_submit,
    leaderboard_update,
)
from evaluation.services.proposals import job_path, result_propose
from evaluation.specs import metric
from registry import errors
from registry.models import Repo
from registry.request import actor, base_url, caller, web_repo
from registry.selectors import repo_get_visible
from registry.web.queries import can_write
from registry.web.views.common import repo_header


def _repo(request: HttpRequest, repo_type: str, repo_id: str) -> Repo:
    namespace, _, name = repo_id.strip().partition("/")
    return repo_get_visible(
        user=request.user, repo_type=repo_type, namespace=namespace, name=name, follow_moves=False
    )


def _signed_in(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise errors.AuthenticationRequired()


def new_job(request: HttpRequest) -> HttpResponse:
    _signed_in(request)
    form = JobForm(request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        user, token = caller(request)
        data = form.cleaned_data
        try:
            job, _ = job_submit(
                user=user,
                token=token,
                model=_repo(request, "model", data["model"]),
                model_revision=data["model_revision"] or "main",
                dataset=_repo(request, "dataset", data["dataset"]),
                dataset_revision=data["dataset_revision"] or "main",
                options=form.options(data["task"] or None),
            )
        except errors.HubError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(job_path(job))
    return render(request, "evaluation/new.html", {"form": form})


def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_get_visible(user=request.user, job_id=job_id)
    results = [(metric(job.task, name).label, name, value) for name, value in job.results.items()]
    return render(request, "evaluation/job.html", {"job": job, "results": results})


@require_POST
def job_action(request: HttpRequest, job_id: int, action: str) -> HttpResponse:
    _signed_in(request)
    user, token = caller(request)
    job = selectors.job_get_visible(user=user, job_id=job_id)
    try:
        if action == "cancel":
            job = job_cancel(user=user, token=token, job=job)
        elif action == "rerun":
            job = job_rerun(user=user, token=token, job=job)
        else:
            pull = result_propose(user=user, token=token, job=job, base_url=base_url(request))
            messages.success(
                request, f"Opened pull request #{pull.num} on {job.model_repo.repo_id}"
            )
    except errors.HubError as exc:
        messages.error(request, exc.message)
    return redirect(job_path(job))


def leaderboards_index(request: HttpRequest) -> HttpResponse:
    boards = selectors.leaderboards_visible(user=request.user)[:200]
    return render(request, "evaluation/leaderboards.html", {"boards": boards})


def leaderboard_new(request: HttpRequest) -> HttpResponse:
    _signed_in(request)
    dataset = _repo(request, "dataset", request.GET.get("dataset") or "")
    if not can_write(actor=actor(request), repo=dataset):
        raise errors.Forbidden(f"Only writers of {dataset.repo_id} can define its leaderboards")
    form = LeaderboardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user, token = caller(request)
        try:
            board = leaderboard_create(
                user=user, token=token, dataset=dataset, options=form.board_options()
            )
        except errors.HubError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(f"/leaderboards/{board.path}")
    return render(request, "evaluation/leaderboard_new.html", {"form": form, "dataset": dataset})


def leaderboard_page(request: HttpRequest, namespace: str, dataset: str, slug: str) -> HttpResponse:
    board = selectors.leaderboard_get_visible(
        user=request.user, namespace=namespace, dataset=dataset, slug=slug
    )
    rows = selectors.leaderboard_rows(user=request.user, board=board)
    main = metric(board.task, board.main_metric)
    sort, descending = request.GET.get("sort", ""), request.GET.get("dir") == "desc"
    context = {
        "board": board,
        "table": [
            (row, [(name, row.values.get(name)) for name in board.metrics])
            for row in sorted_rows(rows, sort, descending, board)
        ],
        "headers": sort_headers(board, sort, descending),
        "bars": plots.bars(rows, metric=main.name, label=main.label),
        "scatter": plots.scatter(rows, metric=main.name, label=main.label),
        "submit_form": SubmitForm(),
        "can_edit": can_write(actor=actor(request), repo=board.dataset_repo),
        "settings_form": _settings_form(board),
        "has_pending": any(row.pending for row in rows),
    }
    return render(request, "evaluation/leaderboard.html", context)


def _settings_form(board: Leaderboard, data=None) -> LeaderboardSettingsForm:
    initial = {field: getattr(board, field) for field in LEADERBOARD_EDITABLE}
    return LeaderboardSettingsForm(data, initial=initial, metrics=list(board.metrics))


@require_POST
def leaderboard_manage(
    request: HttpRequest, namespace: str, dataset: str, slug: str, action: str
) -> HttpResponse:
    """The board's settings form and its delete button (the dataset's writers)."""
    _signed_in(request)
    board = selectors.leaderboard_get_visible(
        user=request.user, namespace=namespace, dataset=dataset, slug=slug
    )
    if not can_write(actor=actor(request), repo=board.dataset_repo):
        raise errors.Forbidden(
            f"Only writers of {board.dataset_repo.repo_id} can change this board"
        )
    user, token = caller(request)
    if action == "delete":
        leaderboard_delete(user=user, token=token, board=board)
        messages.success(request, f"Deleted the leaderboard {board.title}")
        return redirect(f"/leaderboards?dataset={board.dataset_repo.repo_id}")
    form = _settings_form(board, request.POST)
    if not form.is_valid():
        errors_text = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        messages.error(request, errors_text)
    else:
        try:
            leaderboard_update(user=user, token=token, board=board, changes=form.cleaned_data)
            messages.success(request, "Saved the leaderboard's settings")
        except errors.HubError as exc:
            messages.error(request, exc.message)
    return redirect(f"/leaderboards/{board.path}")


def sort_headers(board: Leaderboard, sort: str, descending: bool) -> list[dict]:
    """The sortable column heads: a link that sorts by the column (again: the other way)."""
    columns = [
        ("model", "Model"),
        *((m.name, m.label) for m in (metric(board.task, name) for name in board.metrics)),
        ("parameters", "Parameters"),
    ]
    heads = []
    for key, label in columns:
        current = key == sort
        # Metrics start best first; names and sizes start ascending.
        first_desc = key in board.metrics and metric(board.task, key).higher_is_better
        direction = (
            ("asc" if descending else "desc") if current else ("desc" if first_desc else "asc")
        )
        heads.append(
            {
                "key": key,
                "label": label,
                "url": f"?sort={key}&dir={direction}",
                "aria": ("descending" if descending else "ascending") if current else "",
            }
        )
    return heads


def sorted_rows(rows: list[Row], sort: str, descending: bool, board: Leaderboard) -> list[Row]:
    """Rows by a column: a metric, `model` or `parameters`; the ranking otherwise."""
    if sort == "model":
        return sorted(rows, key=lambda row: row.model.repo_id.lower(), reverse=descending)
    if sort == "parameters" or sort in board.metrics:
        known = [row for row in rows if _value(row, sort) is not None]
        rest = [row for row in rows if _value(row, sort) is None]
        return sorted(known, key=lambda row: _value(row, sort), reverse=descending) + rest
    return rows


def _value(row: Row, sort: str) -> float | None:
    return row.parameters if sort == "parameters" else row.values.get(sort)


@require_POST
def leaderboard_submit_page(
    request: HttpRequest, namespace: str, dataset: str, slug: str
) -> HttpResponse:
    _signed_in(request)
    board = selectors.leaderboard_get_visible(
        user=request.user, namespace=namespace, dataset=dataset, slug=slug
    )
    form = SubmitForm(request.POST)
    if form.is_valid():
        user, token = caller(request)
        try:
            model = _repo(request, "model", form.cleaned_data["model"])
            _, job = leaderboard_submit(
                user=user,
                token=token,
                board=board,
                model=model,
                revision=form.cleaned_data["revision"] or "main",
            )
            messages.success(request, f"Submitted {model.repo_id}: evaluation job {job.pk}")
        except errors.HubError as exc:
            messages.error(request, exc.message)
    return redirect(f"/leaderboards/{board.path}")


def model_results_page(
    request: HttpRequest, namespace: str, name: str, prefix: str | None = None
) -> HttpResponse:
    repo = repo_get_visible(
        user=request.user,
        repo_type="dataset" if prefix else "model",
        namespace=namespace,
        name=name,
    )
    context = selectors.model_results(user=request.user, repo=repo)
    return render(request, "evaluation/model_results_page.html", context)


def repo_evaluation_tab(
    request: HttpRequest, namespace: str, name: str, prefix: str | None = None
) -> HttpResponse:
    """The Evaluation tab of a repo page: its verified results and leaderboard entries."""
    repo = web_repo(request, prefix, namespace, name)
    context = {"header": repo_header(request, repo, tab="evaluation")}
    context.update(selectors.model_results(user=request.user, repo=repo))
    return render(request, "repo/evaluation.html", context)
