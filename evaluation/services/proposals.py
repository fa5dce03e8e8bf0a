"""Results back to the model repo: a pull request adding a job's result to the card's
`model-index`, committed on refs/pr/N through the registry's own services."""

from django.conf import settings

from evaluation.errors import JobNotFinished
from evaluation.modelindex import card_with_result, result_entry
from evaluation.models import EvaluationJob, Leaderboard
from evaluation.services.jobs import job_log
from registry import errors
from registry.gitstore import Change, GitRepo
from registry.models import AccessToken, Discussion, Repo, User
from registry.services.commits import commit_create
from registry.services.discussions import (
    discussion_create,
    discussion_discard,
    pr_record_commit,
    require_participant,
)


def job_path(job: EvaluationJob) -> str:
    return f"/evaluations/{job.pk}"


def result_propose(
    *, user: User, token: AccessToken | None, job: EvaluationJob, base_url: str
) -> Discussion:
    """Opens (once per job) a pull request on the model repo's main branch adding the job's
    result to README.md's `model-index`. `user` must see both repos already.

    Results on private datasets are not proposed: the card would tell their name and scores.
    """
    require_participant(user, token)
    if job.state != EvaluationJob.State.SUCCEEDED:
        raise JobNotFinished(f"Job {job.pk} is {job.state}: only results can be proposed")
    if job.pull_request_id is not None:
        return job.pull_request
    if job.dataset_repo.private:
        raise errors.Forbidden("Results on a private dataset are not proposed to model repos")
    repo, git = job.model_repo, GitRepo(job.model_repo.storage_id)
    head = git.resolve("main")
    readme = git.entry(head, "README.md")
    text = git.read_blob(readme.oid).decode("utf-8") if readme and readme.lfs is None else None
    entry = result_entry(
        task=job.task,
        dataset_id=job.dataset_repo.repo_id,
        config=job.config,
        split=job.split,
        revision=job.dataset_sha,
        results=job.results,
        url=base_url + job_path(job),
    )
    card = card_with_result(text, model_name=repo.name, entry=entry)
    title = f"Add evaluation results on {job.dataset_repo.repo_id} ({job.task})"
    pull = discussion_create(
        user=user,
        token=token,
        repo=repo,
        git=git,
        title=title,
        description=_description(job, base_url),
        pull_request=True,
    )
    try:
        sha = commit_create(
            user=user,
            repo=repo,
            git=git,
            ref=pull.git_ref,
            parent_commit=None,
            changes=[Change("add", "README.md", git.write_blob(card.encode()))],
            message=title + "\n",
        )
    except errors.HubError:
        discussion_discard(discussion=pull, git=git)
        raise
    pr_record_commit(user=user, discussion=pull, sha=sha, title=title)
    if not EvaluationJob.objects.filter(pk=job.pk, pull_request__isnull=True).update(
        pull_request=pull
    ):
        # Someone proposed the same result at the same moment: keep theirs only.
        discussion_discard(discussion=pull, git=git)
        job.refresh_from_db()
        return job.pull_request
    job.pull_request = pull
    return pull


def _description(job: EvaluationJob, base_url: str) -> str:
    rows = "\n".join(f"| {name} | {value:.6g} |" for name, value in job.results.items())
    return (
        f"Minihub evaluated this model at {job.model_sha[:10]} on "
        f"{job.dataset_repo.repo_id} at {job.dataset_sha[:10]} "
        f"(config {job.config}, split {job.split}, seed {job.seed}).\n\n"
        f"| metric | value |\n|---|---|\n{rows}\n\n"
        f"Details and logs: {base_url}{job_path(job)}"
    )


def proposals_for_leaderboards(*, job: EvaluationJob) -> None:
    """After a job succeeds: proposes its result when a leaderboard that ranks the model with
    these settings asks for it (its creator opens the pull request)."""
    if job.rerun_of_id is not None or job.pull_request_id is not None:
        return
    board = (
        Leaderboard.objects.filter(
            spec_key=job.spec_key,
            dataset_fingerprint=job.dataset_fingerprint,
            auto_propose=True,
            entries__model_repo=job.model_repo,
            created_by__isnull=False,
        )
        .select_related("created_by")
        .first()
    )
    if board is None:
        return
    if not Repo.objects.visible_to(board.created_by).filter(pk=job.model_repo_id).exists():
        return  # a private model its owner entered: its card is not the board's to edit
    try:
        pull = result_propose(
            user=board.created_by, token=None, job=job, base_url=settings.HUB_PUBLIC_URL or ""
        )
    except errors.HubError as exc:
        job_log(
            job.pk, f"could not open the pull request for leaderboard {board.slug}: {exc.message}"
        )
        return
    job_log(job.pk, f"opened pull request #{pull.num} on {job.model_repo.repo_id}")
