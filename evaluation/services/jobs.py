"""Evaluation jobs, web side: submit (deduplicated), cancel, rerun, and the stale-job check."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, TextField, Value
from django.db.models.functions import Concat
from django.utils import timezone

from evaluation import repofiles
from evaluation.errors import InvalidEvaluation, JobNotFinished
from evaluation.models import EvaluationJob
from evaluation.specs import TASKS, Spec, job_key, spec_normalize
from registry import errors
from registry.gitstore import GitRepo
from registry.models import AccessToken, Repo, User
from registry.permissions import Action, Actor, allows, require
from registry.selectors import card_at
from registry.services.discussions import require_participant
from workers.evaluation import evaluation_enqueue

State = EvaluationJob.State
# A job is started at most this many times: a worker that dies mid-job is replaced once.
MAX_ATTEMPTS = 2


def log_line(text: str) -> str:
    return f"{timezone.now():%Y-%m-%d %H:%M:%S} {text}\n"


def job_log(job_id: int, text: str) -> None:
    """Appends a line to the job's log in the database (no read-modify-write)."""
    EvaluationJob.objects.filter(pk=job_id).update(
        logs=Concat(F("logs"), Value(log_line(text)), output_field=TextField())
    )


def job_submit(
    *,
    user: User,
    token: AccessToken | None,
    model: Repo,
    model_revision: str,
    dataset: Repo,
    dataset_revision: str,
    options: dict,
) -> tuple[EvaluationJob, bool]:
    """(job, created): a new queued job, or the one that already evaluates the same files
    with the same settings. `model` and `dataset` must be visible to `user` already.

    The task defaults to the model card's pipeline_tag at the chosen commit.
    """
    require_participant(user, token)
    for repo in (model, dataset):  # the worker reads their files for this user
        require(Actor(user, token), Action.DOWNLOAD, repo=repo)
    model_git = GitRepo(model.storage_id)
    model_sha = model_git.resolve(model_revision or "main")
    task = options.get("task") or card_at(git=model_git, sha=model_sha).get("pipeline_tag")
    if not task:
        raise InvalidEvaluation(
            f"{model.repo_id} has no pipeline_tag in its card at {model_sha[:10]}: "
            f"name the task ({', '.join(TASKS)})"
        )
    dataset_sha = GitRepo(dataset.storage_id).resolve(dataset_revision or "main")
    spec = spec_normalize(
        dataset_storage_id=str(dataset.storage_id),
        task=task,
        config=options.get("config"),
        split=options.get("split"),
        metrics=options.get("metrics"),
        columns=options.get("columns"),
        limit=options.get("limit"),
        seed=options.get("seed"),
    )
    return job_create(
        spec=spec,
        model=model,
        model_sha=model_sha,
        dataset=dataset,
        dataset_sha=dataset_sha,
        user=user,
    )


def job_create(
    *, spec: Spec, model: Repo, model_sha: str, dataset: Repo, dataset_sha: str, user: User | None
) -> tuple[EvaluationJob, bool]:
    """The job for these commits and settings: created and queued, or the existing one (a
    failed or cancelled one is queued again)."""
    if model.type != Repo.Type.MODEL or dataset.type != Repo.Type.DATASET:
        raise InvalidEvaluation("Evaluations take a model repo and a dataset repo")
    model_git, dataset_git = GitRepo(model.storage_id), GitRepo(dataset.storage_id)
    if not repofiles.data_files(dataset_git, dataset_sha):
        raise InvalidEvaluation(
            f"Dataset {dataset.repo_id} has no parquet, csv or json files at {dataset_sha[:10]}"
        )
    repofiles.loadable_check(model, model_sha)
    model_fingerprint = repofiles.fingerprint(model_git, model_sha, ignore_docs=True)
    dataset_fingerprint = repofiles.fingerprint(dataset_git, dataset_sha, ignore_docs=False)
    key = job_key(
        spec=spec,
        model_storage_id=str(model.storage_id),
        model_fingerprint=model_fingerprint,
        dataset_fingerprint=dataset_fingerprint,
    )
    fields = {
        "key": key,
        "spec_key": spec.key,
        "model_repo": model,
        "model_sha": model_sha,
        "model_fingerprint": model_fingerprint,
        "model_parameters": repofiles.parameter_count(model, model_sha),
        "dataset_repo": dataset,
        "dataset_sha": dataset_sha,
        "dataset_fingerprint": dataset_fingerprint,
        "config": spec.config,
        "split": spec.split,
        "task": spec.task,
        "metrics": list(spec.metrics),
        "columns": spec.columns,
        "limit": spec.limit,
        "seed": spec.seed,
        "created_by": user,
        "logs": log_line(f"queued by {user.username if user else 'the hub'}"),
    }
    try:
        with transaction.atomic():
            job = EvaluationJob.objects.create(**fields)
            _enqueue(job.pk)
    except IntegrityError:
        existing = EvaluationJob.objects.get(key=key, rerun_of__isnull=True)
        return _requeue_if_stopped(existing, user), False
    return job, True


def _requeue_if_stopped(job: EvaluationJob, user: User | None) -> EvaluationJob:
    """Submitting a failed or cancelled job again queues it again (a fresh start)."""
    with transaction.atomic():
        again = EvaluationJob.objects.filter(
            pk=job.pk, state__in=[State.FAILED, State.CANCELLED]
        ).update(
            state=State.QUEUED,
            attempts=0,
            claim="",
            error="",
            progress_done=0,
            started_at=None,
            finished_at=None,
            heartbeat_at=None,
        )
        if again:
            job_log(job.pk, f"queued again by {user.username if user else 'the hub'}")
            _enqueue(job.pk)
    job.refresh_from_db()
    return job


def _require_manager(user: User, job: EvaluationJob) -> None:
    """The job's submitter, or a writer of the model's or the dataset's namespace."""
    if job.created_by_id == user.pk:
        return
    for repo in (job.model_repo, job.dataset_repo):
        if allows(Actor(user), Action.WRITE, repo=repo):
            return
    raise errors.Forbidden("Only the job's submitter or the repos' maintainers can cancel it")


def job_cancel(*, user: User, token: AccessToken | None, job: EvaluationJob) -> EvaluationJob:
    """Stops a queued or running job; a running worker stops at its next batch."""
    require_participant(user, token)
    _require_manager(user, job)
    stopped = EvaluationJob.objects.filter(
        pk=job.pk, state__in=[State.QUEUED, State.RUNNING]
    ).update(state=State.CANCELLED, finished_at=timezone.now())
    if not stopped:
        job.refresh_from_db()
        raise JobNotFinished(f"Job {job.pk} already {job.state}: there is nothing to cancel")
    job_log(job.pk, f"cancelled by {user.username}")
    job.refresh_from_db()
    return job


def job_rerun(*, user: User, token: AccessToken | None, job: EvaluationJob) -> EvaluationJob:
    """A new job with the same commits and settings, run on purpose despite the first."""
    require_participant(user, token)
    if not job.finished:
        raise JobNotFinished(f"Job {job.pk} is {job.state}: rerun it once it has finished")
    copied = (
        "key",
        "spec_key",
        "model_repo",
        "model_sha",
        "model_fingerprint",
        "model_parameters",
        "dataset_repo",
        "dataset_sha",
        "dataset_fingerprint",
        "config",
        "split",
        "task",
        "metrics",
        "columns",
        "limit",
        "seed",
    )
    with transaction.atomic():
        rerun = EvaluationJob.objects.create(
            **{name: getattr(job, name) for name in copied},
            rerun_of_id=job.rerun_of_id or job.pk,
            created_by=user,
            logs=log_line(f"rerun of job {job.pk}, queued by {user.username}"),
        )
        _enqueue(rerun.pk)
    return rerun


def jobs_reap_stale() -> int:
    """Running jobs whose worker stopped sending heartbeats: queued again while they have
    attempts left, failed after that. Returns how many were found; cheap when none are."""
    cutoff = timezone.now() - timedelta(seconds=settings.HUB_EVAL_STALE_SECONDS)
    stale = list(
        EvaluationJob.objects.filter(state=State.RUNNING, heartbeat_at__lt=cutoff).values_list(
            "pk", "claim", "attempts"
        )
    )
    for pk, claim, attempts in stale:
        running = EvaluationJob.objects.filter(pk=pk, claim=claim, state=State.RUNNING)
        seconds = settings.HUB_EVAL_STALE_SECONDS
        if attempts >= MAX_ATTEMPTS:
            message = (
                f"The worker stopped sending heartbeats (over {seconds}s) on attempt {attempts}"
            )
            if running.update(state=State.FAILED, error=message, finished_at=timezone.now()):
                job_log(pk, message + "; failed")
            continue
        with transaction.atomic():
            if running.update(state=State.QUEUED, claim=""):
                job_log(pk, f"no heartbeat for over {seconds}s; queued again")
                _enqueue(pk)
    return len(stale)


def job_fail_unexpected(*, job_id: int, error: str) -> None:
    """Records an error the run did not expect (the task itself failed) on an unfinished job."""
    failed = EvaluationJob.objects.filter(
        pk=job_id, state__in=[State.QUEUED, State.RUNNING]
    ).update(state=State.FAILED, error=error[:2000], finished_at=timezone.now())
    if failed:
        job_log(job_id, f"failed: {error[:2000]}")


def _enqueue(job_id: int) -> None:
    """Queues the job; one the broker cannot take fails at once (submitting it again queues it
    again)."""
    evaluation_enqueue(
        job_id, unreachable=lambda error: job_fail_unexpected(job_id=job_id, error=error)
    )
