"""Starts a fine-tune: its settings checked against what the actor may read and write, then a
Job in the output repo's namespace that runs finetune/program.py with a token of its own,
revoked when the job ends."""

from django.db import transaction

from finetune.errors import InvalidFinetune
from finetune.specs import PROGRAM, Spec, program_environment, spec_normalize
from jobs.models import Job, job_id_new
from jobs.selectors import namespace_get
from jobs.services import job_queue, job_spec_parse
from registry import errors
from registry.models import AccessToken, Repo, User
from registry.permissions import Action, Actor, require
from registry.repofiles import repo_files_at
from registry.selectors import repo_get_visible
from registry.services.tokens import token_create, token_revoke

# Jobs of fine-tunes carry this label, valued with the output repo's name (the job's
# namespace is the repo's): list_jobs(labels=...) and the pages find them by it.
LABEL = "finetune"
# The program goes into the job as a script, as `hf jobs uv run` ships one: the Job row keeps
# its text, and the runner writes it into the job's working directory. It needs no package
# the hub's runtime lacks, so nothing is installed.
SCRIPT = "finetune.py"
IMAGE = "ghcr.io/astral-sh/uv:latest"
# Progress bars would fill the job's log with carriage-return lines; the program prints its
# own progress, one line per logged step.
QUIET = {"HF_HUB_DISABLE_PROGRESS_BARS": "1", "TOKENIZERS_PARALLELISM": "false"}
FIELDS = frozenset(
    ("base_model", "dataset", "task", "config", "split", "eval_split", "columns",
     "hyperparameters", "output_repo", "private", "timeout", "source_lang", "target_lang")
)  # fmt: skip


def finetune_start(*, actor: Actor, settings: object) -> tuple[Job, Spec]:
    """A queued Job that fine-tunes, once the base model and the dataset are files the actor
    may read and the output repo's namespace one they may write to; InvalidFinetune names a
    bad setting. The job gets a write token of the actor's, `finetune-<job id>`, as its
    sealed HF_TOKEN; it is revoked when the job ends (`finetune_token_revoke`)."""
    if not actor.signed_in:
        raise errors.AuthenticationRequired()
    spec = spec_normalize(owner=actor.user.username, **_settings(settings))
    base = _require_files(actor, spec.base_model, "model", "base_model")
    # The job loads the base model as the hub's own worker: the files it will load must pass
    # the scanner now (FileQuarantined names them), and the job is pinned to that commit.
    base_revision = base.head_sha
    repo_files_at(repo=base, sha=base_revision)
    _require_files(actor, spec.dataset, "dataset", "dataset")
    namespace = namespace_get(name=spec.output_repo.split("/")[0])
    require(actor, Action.WRITE, namespace=namespace)
    job_id = job_id_new()
    with transaction.atomic():
        _, token = token_create(user=actor.user, name=token_name(job_id), role="write")
        fields = job_spec_parse({
            "dockerImage": IMAGE,
            "command": ["uv", "run", SCRIPT],
            "environment": {**program_environment(spec, base_revision=base_revision), **QUIET},
            "secrets": {"HF_TOKEN": token},
            "labels": {LABEL: spec.output_repo.split("/")[1]},
        })  # fmt: skip
        # Its own timeout, checked against HUB_FINETUNE_MAX_TIMEOUT, not the jobs' maximum.
        fields.update(script_name=SCRIPT, script=PROGRAM.read_text(), timeout_seconds=spec.timeout)
        job = job_queue(created_by=actor.user, namespace=namespace, fields=fields, id=job_id)
    return job, spec


def _settings(settings: object) -> dict:
    if not isinstance(settings, dict):
        raise InvalidFinetune("The fine-tune's settings must be a JSON object")
    unknown = sorted(set(settings) - FIELDS)
    if unknown:
        raise InvalidFinetune(
            f"unknown setting {', '.join(unknown)}; the settings are: {', '.join(sorted(FIELDS))}"
        )
    missing = [name for name in ("base_model", "dataset", "task") if not settings.get(name)]
    if missing:
        raise InvalidFinetune(f"{', '.join(missing)} is required")
    return settings


def _require_files(actor: Actor, repo_id: str, repo_type: str, field: str) -> Repo:
    """The repo's files are readable by `actor`; a missing or hidden one is the same 404."""
    namespace, name = repo_id.split("/")
    try:
        repo = repo_get_visible(
            user=actor.user, repo_type=repo_type, namespace=namespace, name=name,
            follow_moves=False,
        )  # fmt: skip
    except errors.RepoNotFound as exc:
        raise errors.RepoNotFound(f"{field} {repo_id}: repository not found") from exc
    require(actor, Action.DOWNLOAD, repo=repo)
    return repo


TOKEN_PREFIX = "finetune-"


def token_name(job_id: str) -> str:
    return f"{TOKEN_PREFIX}{job_id}"


def finetune_token_revoke(*, job: Job, **_: object) -> None:
    """A `job_ended` listener: the token a fine-tune's job was given stops working."""
    if job.created_by is None or LABEL not in (job.labels or {}):
        return
    found = AccessToken.objects.filter(
        user=job.created_by, name=token_name(job.id), revoked_at__isnull=True
    )
    for public_id in found.values_list("public_id", flat=True):
        token_revoke(user=job.created_by, public_id=str(public_id))


def finetune_tokens_sweep(**_: object) -> int:
    """A `jobs_reconciled` listener: every live `finetune-<job id>` token whose job ended or is
    gone stops working, as `finetune_token_revoke` would have made it had the end been heard
    (a hub that died first, a row changed behind its back). Returns how many."""
    live = AccessToken.objects.filter(name__startswith=TOKEN_PREFIX, revoked_at__isnull=True)
    tokens = list(live.values_list("user", "public_id", "name"))
    running = set(
        Job.objects.filter(
            pk__in=[name.removeprefix(TOKEN_PREFIX) for _, _, name in tokens],
            stage__in=[Job.Stage.SCHEDULING, Job.Stage.RUNNING],
        ).values_list("pk", flat=True)
    )
    stale = [(user, public_id) for user, public_id, name in tokens
             if name.removeprefix(TOKEN_PREFIX) not in running]  # fmt: skip
    for user_id, public_id in stale:
        token_revoke(user=User.objects.get(pk=user_id), public_id=str(public_id))
    return len(stale)
