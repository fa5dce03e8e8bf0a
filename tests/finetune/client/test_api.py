"""POST /api/finetune, through the hub's middleware and error handler: who may start a
fine-tune of what, into where, and the errors that name what is wrong. The job it queues
(not run here: tests/finetune/test_api_live.py runs one) carries a token of its own, which
stops working when the job ends."""

import json

import pytest
from django.test import Client

from jobs.models import Job
from jobs.selectors import job_secrets
from jobs.services import job_cancel, jobs_reconcile
from registry.errors import InvalidCredentials
from registry.gitstore import Change, GitRepo
from registry.models import AccessToken, Repo
from registry.permissions import Actor
from registry.services.commits import commit_create
from registry.services.repos import repo_create
from registry.services.tokens import token_authenticate
from tests.conftest import make_token

pytestmark = pytest.mark.django_db


def make_repo(owner, name: str, repo_type: str = "model", private: bool = False):
    return repo_create(
        user=owner, token=None, name=name, organization=None, repo_type=repo_type, private=private
    )


@pytest.fixture
def alices(alice):
    """alice's public base model and dataset."""
    make_repo(alice, "tiny")
    make_repo(alice, "reviews", "dataset")


def start(token: str, **settings) -> object:
    body = {"base_model": "alice/tiny", "dataset": "alice/reviews"}
    body |= {"task": "text-classification"} | settings
    return Client().post(
        "/api/finetune", json.dumps(body), content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip


def test_a_base_model_holding_a_dangerous_pickle_is_refused_before_any_job(alice, alices):
    base = Repo.objects.get(name="tiny")
    git = GitRepo(base.storage_id)
    pickle = git.write_blob(b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00idq\x00\x85q\x01R.")
    commit_create(
        user=alice, repo=base, git=git, ref="refs/heads/main", parent_commit=None,
        changes=[Change("add", "optimizer.pt", pickle)], message="Add optimizer state\n",
    )  # fmt: skip

    response = start(make_token(alice))

    assert response.status_code == 422, response.content
    assert response.headers["X-Error-Code"] == "FileQuarantined"
    assert "optimizer.pt" in response.headers["X-Error-Message"]
    assert not Job.objects.exists()
    assert not AccessToken.objects.filter(name__startswith="finetune-").exists()


def test_alice_starts_a_fine_tune_whose_job_pushes_with_a_token_of_its_own(alice, alices):
    response = start(make_token(alice), hyperparameters={"max_steps": 3})

    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["output_repo"] == "alice/tiny-reviews"
    job = Job.objects.get(pk=answer["job"]["id"])
    assert (job.namespace.name, job.stage, job.labels) == ("alice", "SCHEDULING", {
        "finetune": "tiny-reviews"
    })  # fmt: skip
    assert answer["job"]["secrets"] == {"HF_TOKEN": "***"}
    params = json.loads(job.environment["FINETUNE_PARAMS"])
    assert (params["base_model"], params["hyperparameters"]["max_steps"]) == ("alice/tiny", 3)
    # Pinned to the commit the hub checked: a push meanwhile changes nothing the job loads.
    assert params["base_revision"] == Repo.objects.get(name="tiny").head_sha
    assert job.command == ["uv", "run", "finetune.py"]
    assert job.script.startswith('"""Fine-tune a model from the hub')
    token = token_authenticate(value=job_secrets(job)["HF_TOKEN"])
    assert (token.user, token.role, token.name) == (alice, "write", f"finetune-{job.id}")


def test_a_fine_tunes_job_gets_an_hour_or_the_timeout_it_asks_for_within_the_operators_maximum(
    alice, alices, settings
):
    settings.HUB_JOBS_MAX_TIMEOUT = 600  # the jobs' maximum does not bound a fine-tune's
    settings.HUB_FINETUNE_MAX_TIMEOUT = 7200

    default = start(make_token(alice)).json()["job"]
    asked = start(make_token(alice), timeout=5400, output_repo="alice/longer").json()["job"]

    assert default["timeout"] == 3600
    assert asked["timeout"] == 5400
    assert Job.objects.get(pk=asked["id"]).timeout_seconds == 5400
    settings.HUB_FINETUNE_MAX_TIMEOUT = 1800
    assert start(make_token(alice), output_repo="alice/short").json()["job"]["timeout"] == 1800


def test_the_jobs_token_stops_working_when_the_job_ends(alice, alices):
    job = Job.objects.get(pk=start(make_token(alice)).json()["job"]["id"])
    value = job_secrets(job)["HF_TOKEN"]

    job_cancel(actor=Actor(alice), job=job)

    assert AccessToken.objects.get(name=f"finetune-{job.id}").revoked_at is not None
    with pytest.raises(InvalidCredentials):
        token_authenticate(value=value)


def test_tokens_of_jobs_that_ended_or_vanished_behind_the_hubs_back_are_revoked_by_the_sweep(
    alice, alices
):
    ended, gone, queued = (
        Job.objects.get(
            pk=start(make_token(alice), output_repo=f"alice/{name}").json()["job"]["id"]
        )
        for name in ("ended", "gone", "queued")
    )
    # A hub that died before it recorded these ends: no `job_ended` was sent.
    Job.objects.filter(pk=ended.pk).update(stage=Job.Stage.ERROR)
    Job.objects.filter(pk=gone.pk).delete()
    finetunes = AccessToken.objects.filter(name__startswith="finetune-", revoked_at__isnull=True)
    assert finetunes.count() == 3

    jobs_reconcile()  # as a jobs worker does when it starts, and every sweep round

    assert AccessToken.objects.get(name=f"finetune-{ended.pk}").revoked_at is not None
    assert AccessToken.objects.get(name=f"finetune-{gone.pk}").revoked_at is not None
    assert AccessToken.objects.get(name=f"finetune-{queued.pk}").revoked_at is None
    with pytest.raises(InvalidCredentials):
        token_authenticate(value=job_secrets(ended)["HF_TOKEN"])


def test_charlie_cannot_fine_tune_alices_private_model(alice, charlie):
    make_repo(alice, "tiny", private=True)
    make_repo(charlie, "reviews", "dataset")

    response = start(make_token(charlie), dataset="charlie/reviews")

    assert response.status_code == 404
    assert response["X-Error-Code"] == "RepoNotFound"
    assert response.json()["error"] == "base_model alice/tiny: repository not found"
    assert not Job.objects.exists()
    assert not AccessToken.objects.filter(name__startswith="finetune-").exists()


def test_charlie_cannot_push_a_fine_tune_into_alices_namespace(alices, charlie):
    response = start(make_token(charlie), output_repo="alice/tuned")

    assert response.status_code == 403
    assert response.json()["error"] == "You don't have write access to 'alice'"
    assert not Job.objects.exists()


def test_a_read_token_cannot_start_a_fine_tune(alice, alices):
    response = start(make_token(alice, role="read"))

    assert response.status_code == 403
    assert not Job.objects.exists()


def test_anonymous_callers_must_sign_in(alices):
    response = Client().post("/api/finetune", "{}", content_type="application/json")

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"hyperparameters": {"learning_rate": "fast"}}, "learning_rate must be a number"),
        ({"hyperparameters": {"epochs": 0}}, "epochs must be between 0.01 and 100"),
        ({"hyperparameters": {"warmup": 1}}, "unknown hyperparameter warmup"),
        ({"task": "image-classification"}, "task must be one of text-classification"),
        ({"columns": {"target": "y"}}, "text-classification has no column role target"),
        ({"output_repo": "no-namespace"}, "output_repo must be a repo id"),
        ({"dataset": None}, "dataset is required"),
        ({"learning_rate": 1e-3}, "unknown setting learning_rate"),
        ({"timeout": 30}, "timeout must be between 60 and 7200"),
        ({"timeout": 7201}, "timeout must be between 60 and 7200"),
        ({"timeout": "soon"}, "timeout must be a number"),
        ({"source_lang": "en", "target_lang": "fr"}, "applies to translation only"),
        ({"task": "translation", "source_lang": "en"}, "target_lang is required"),
        (
            {"task": "translation", "source_lang": "e n", "target_lang": "fr"},
            "source_lang must be a language code",
        ),
    ],
)
def test_bad_settings_are_a_400_naming_the_field(alice, alices, fields, message, settings):
    settings.HUB_FINETUNE_MAX_TIMEOUT = 7200
    response = start(make_token(alice), **fields)

    assert response.status_code == 400
    assert response["X-Error-Code"] == "InvalidFinetune"
    assert message in response.json()["error"]
    assert not Job.objects.exists()
