"""Leaderboards: defined by a dataset's writers, submitted to by anyone who can see both
repos, kept current when the tracked branches move (`on_repo_changed`)."""

import logging
import re

from django.db import IntegrityError, transaction

from evaluation import repofiles
from evaluation.errors import InvalidEvaluation
from evaluation.models import EvaluationJob, Leaderboard, LeaderboardEntry
from evaluation.services.jobs import job_create
from evaluation.specs import TASKS, Spec, spec_normalize
from registry import errors
from registry.gitstore import GitRepo
from registry.models import AccessToken, Repo, User
from registry.permissions import Action, Actor, require
from registry.selectors import card_at
from registry.services.discussions import require_participant

log = logging.getLogger(__name__)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_SHA = re.compile(r"^[0-9a-f]{40}$")


def leaderboard_create(
    *, user: User, token: AccessToken | None, dataset: Repo, options: dict
) -> Leaderboard:
    """A leaderboard on `dataset` (which `user` must be able to write to).

    A branch name as `dataset_revision` is tracked; a full commit id pins the dataset.
    """
    require(Actor(user, token), Action.WRITE, repo=dataset)
    slug = str(options.get("slug") or "").strip().lower()
    if not _SLUG.fullmatch(slug):
        raise InvalidEvaluation("slug must be 1-64 lowercase letters, digits and dashes")
    revision = str(options.get("dataset_revision") or "main")
    git = GitRepo(dataset.storage_id)
    sha = git.resolve(revision)
    spec = _spec(dataset, options)
    main = options.get("main_metric") or spec.metrics[0]
    if main not in spec.metrics:
        raise InvalidEvaluation(f"main_metric must be one of {', '.join(spec.metrics)}")
    if not repofiles.data_files(git, sha):
        raise InvalidEvaluation(f"Dataset {dataset.repo_id} has no data files at {sha[:10]}")
    try:
        with transaction.atomic():
            return Leaderboard.objects.create(
                dataset_repo=dataset,
                slug=slug,
                title=str(options.get("title") or slug)[:200],
                description=str(options.get("description") or "")[:5000],
                dataset_revision=revision,
                tracks_branch=not _SHA.fullmatch(revision),
                dataset_sha=sha,
                dataset_fingerprint=repofiles.fingerprint(git, sha, ignore_docs=False),
                config=spec.config,
                split=spec.split,
                task=spec.task,
                metrics=list(spec.metrics),
                main_metric=main,
                columns=spec.columns,
                limit=spec.limit,
                seed=spec.seed,
                spec_key=spec.key,
                auto_propose=bool(options.get("auto_propose")),
                created_by=user,
            )
    except IntegrityError:
        raise errors.Conflict(f"{dataset.repo_id} already has a leaderboard '{slug}'") from None


# What a board's writers may change once results exist: how it reads and ranks, not what
# its results mean (dataset, split, metrics and columns stay; a new board is a new slug).
EDITABLE = ("title", "description", "main_metric", "auto_propose")


def leaderboard_update(
    *, user: User, token: AccessToken | None, board: Leaderboard, changes: dict
) -> Leaderboard:
    """Changes a board's title, description, ranking metric or auto-propose setting."""
    require(Actor(user, token), Action.WRITE, repo=board.dataset_repo)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidEvaluation(
            f"Cannot change {', '.join(unknown)}: only {', '.join(EDITABLE)} can be changed"
        )
    if "title" in changes:
        title = str(changes["title"] or "").strip()
        if not title or len(title) > 200:
            raise InvalidEvaluation("title must be 1 to 200 characters")
        board.title = title
    if "description" in changes:
        description = str(changes["description"] or "")
        if len(description) > 5000:
            raise InvalidEvaluation("description must be at most 5000 characters")
        board.description = description
    if "main_metric" in changes:
        if changes["main_metric"] not in board.metrics:
            raise InvalidEvaluation(f"main_metric must be one of {', '.join(board.metrics)}")
        board.main_metric = changes["main_metric"]
    if "auto_propose" in changes:
        if not isinstance(changes["auto_propose"], bool):
            raise InvalidEvaluation("auto_propose must be true or false")
        board.auto_propose = changes["auto_propose"]
    board.save(update_fields=[field for field in EDITABLE if field in changes])
    return board


def leaderboard_delete(*, user: User, token: AccessToken | None, board: Leaderboard) -> None:
    """Removes the board and its entries; evaluation jobs and their results stay."""
    require(Actor(user, token), Action.WRITE, repo=board.dataset_repo)
    board.delete()


def _spec(dataset: Repo, options: dict) -> Spec:
    return spec_normalize(
        dataset_storage_id=str(dataset.storage_id),
        task=options.get("task"),
        config=options.get("config"),
        split=options.get("split"),
        metrics=options.get("metrics"),
        columns=options.get("columns"),
        limit=options.get("limit"),
        seed=options.get("seed"),
    )


def board_spec(board: Leaderboard) -> Spec:
    return Spec(
        dataset_storage_id=str(board.dataset_repo.storage_id),
        config=board.config,
        split=board.split,
        task=board.task,
        metrics=tuple(board.metrics),
        columns=board.columns,
        limit=board.limit,
        seed=board.seed,
    )


def leaderboard_submit(
    *, user: User | None, token: AccessToken | None, board: Leaderboard, model: Repo, revision: str
) -> tuple[LeaderboardEntry, EvaluationJob]:
    """Enters `model` (visible to `user` already) at `revision` and queues its evaluation.

    A branch is followed: its new commits are evaluated when the board tracks a branch.
    `user` None is the hub itself (automatic entries).
    """
    if user is not None:
        require_participant(user, token)
    git = GitRepo(model.storage_id)
    sha = git.resolve(revision or "main")
    _require_fit(board, model, git, sha)
    entry, _ = LeaderboardEntry.objects.get_or_create(
        leaderboard=board,
        model_repo=model,
        defaults={"revision": revision or "main", "submitted_by": user},
    )
    job, _ = job_create(
        spec=board_spec(board),
        model=model,
        model_sha=sha,
        dataset=board.dataset_repo,
        dataset_sha=board.dataset_sha,
        user=user,
    )
    return entry, job


def _require_fit(board: Leaderboard, model: Repo, git: GitRepo, sha: str) -> None:
    """A model fits when its card's task is the board's; its labels are checked by the run."""
    if model.type != Repo.Type.MODEL:
        raise InvalidEvaluation("Only model repos can be submitted to a leaderboard")
    task = card_at(git=git, sha=sha).get("pipeline_tag")
    if task and task != board.task:
        raise InvalidEvaluation(
            f"{model.repo_id} is a {task} model; this leaderboard ranks {board.task} models"
        )


def repo_main_moved_listener(*, repo: Repo, **kwargs) -> None:
    on_repo_changed(repo)


def on_repo_changed(repo: Repo) -> None:
    """Keeps branch-tracking leaderboards current after `repo`'s main branch moved.

    A dataset's boards move to its new head and re-evaluate their models; a model entered
    on such a board is evaluated at its new head; a public model whose card names the
    dataset (`datasets:`) and the board's task is entered. Never raises a hub error: a
    commit must not fail because a leaderboard could not follow it.
    """
    boards = Leaderboard.objects.filter(tracks_branch=True)
    if repo.type == Repo.Type.DATASET:
        # repo_refresh runs for changes to main only: boards tracking other branches stay.
        mine = boards.filter(dataset_repo=repo, dataset_revision="main")
        for board in mine.select_related("dataset_repo__namespace"):
            _guarded(board, _follow_dataset, board)
    elif repo.type == Repo.Type.MODEL and repo.head_sha:
        for board in _boards_for_model(repo, boards):
            _guarded(
                board,
                leaderboard_submit,
                user=None,
                token=None,
                board=board,
                model=repo,
                revision="main",
            )


def _boards_for_model(repo: Repo, boards) -> list[Leaderboard]:
    entered = boards.filter(entries__model_repo=repo, entries__revision="main")
    found = {board.pk: board for board in entered.select_related("dataset_repo__namespace")}
    named = repo.card_data.get("datasets") if isinstance(repo.card_data, dict) else None
    names = [named] if isinstance(named, str) else named if isinstance(named, list) else []
    if not repo.private and repo.pipeline_tag in TASKS and names:
        wanted = {str(name).lower() for name in names}
        for board in (
            boards.filter(task=repo.pipeline_tag, dataset_repo__private=False)
            .exclude(pk__in=found)
            .select_related("dataset_repo__namespace")
        ):
            if board.dataset_repo.repo_id.lower() in wanted:
                found[board.pk] = board
    return list(found.values())


def _follow_dataset(board: Leaderboard) -> None:
    """Moves the board to its dataset's new head; re-evaluates every entry if files changed."""
    git = GitRepo(board.dataset_repo.storage_id)
    sha = git.resolve(board.dataset_revision)
    fingerprint = repofiles.fingerprint(git, sha, ignore_docs=False)
    Leaderboard.objects.filter(pk=board.pk).update(dataset_sha=sha, dataset_fingerprint=fingerprint)
    if fingerprint == board.dataset_fingerprint:
        return
    board.dataset_sha, board.dataset_fingerprint = sha, fingerprint
    for entry in board.entries.select_related("model_repo__namespace"):
        model_git = GitRepo(entry.model_repo.storage_id)
        _guarded(
            board,
            job_create,
            spec=board_spec(board),
            model=entry.model_repo,
            model_sha=model_git.resolve(entry.revision),
            dataset=board.dataset_repo,
            dataset_sha=sha,
            user=None,
        )


def _guarded(board: Leaderboard, action, /, *args, **kwargs) -> None:
    try:
        action(*args, **kwargs)
    except errors.HubError as exc:
        log.warning("leaderboard %s could not follow a change: %s", board.path, exc.message)
