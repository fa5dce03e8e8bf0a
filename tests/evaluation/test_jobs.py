"""Job life cycle: deduplication, reruns, reproducibility, cancelling, failures, and workers
that die or vanish."""

import os
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from evaluation.errors import EvaluationNotFound, InvalidEvaluation
from evaluation.models import EvaluationJob
from evaluation.selectors import job_get_visible, jobs_list
from evaluation.services.jobs import job_cancel, job_rerun, job_submit, jobs_reap_stale
from evaluation.services.runs import JobBusy, job_run
from evaluation.worker import predict
from registry import errors
from registry.gitstore import Change, GitRepo
from registry.services.commits import commit_create
from tests.evaluation import factories
from tests.evaluation.conftest import evaluate, make_repo

pytestmark = pytest.mark.django_db
State = EvaluationJob.State
LABELS = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1]


@pytest.fixture
def model(alice, tmp_path):
    return make_repo(alice, "clf", "model", factories.random_classifier(tmp_path / "m", seed=3))


@pytest.fixture
def dataset(alice, tmp_path):
    return make_repo(alice, "reviews", "dataset", factories.sentiment(tmp_path / "d", LABELS))


def submit(user, model, dataset, **options):
    return job_submit(
        user=user,
        token=None,
        model=model,
        model_revision="main",
        dataset=dataset,
        dataset_revision="main",
        options=options,
    )


def edit_readme(user, repo, text: str) -> str:
    git = GitRepo(repo.storage_id)
    return commit_create(
        user=user,
        repo=repo,
        git=git,
        ref="refs/heads/main",
        parent_commit=None,
        changes=[Change("add", "README.md", git.write_blob(text.encode()))],
        message="edit card",
    )


def test_the_same_files_and_settings_are_evaluated_once(alice, bob, model, dataset):
    first, created = submit(alice, model, dataset, seed=0, metrics="accuracy,f1_macro")

    again, created_again = submit(bob, model, dataset, metrics=["f1_macro", "accuracy"])
    edit_readme(alice, model, "---\npipeline_tag: text-classification\n---\nNew words.\n")
    after_card_edit, _ = submit(alice, model, dataset, metrics=["accuracy", "f1_macro"])
    other_seed, created_other = submit(alice, model, dataset, seed=1, metrics=["accuracy"])

    assert (created, created_again, created_other) == (True, False, True)
    assert again.pk == after_card_edit.pk == first.pk
    assert other_seed.pk != first.pk
    assert EvaluationJob.objects.count() == 2


def test_a_rerun_repeats_the_job_on_purpose_and_gets_the_same_numbers(alice, model, dataset):
    job = evaluate(alice, model, dataset, limit=8, seed=5)

    rerun = job_rerun(user=alice, token=None, job=job)
    job_run(job_id=rerun.pk)
    rerun.refresh_from_db()

    assert rerun.pk != job.pk and rerun.rerun_of_id == job.pk
    assert rerun.state == State.SUCCEEDED
    assert rerun.results == job.results
    assert rerun.samples == job.samples
    assert job.environment["libraries"]["torch"].startswith("2.")
    assert set(job.environment["libraries"]) >= {"transformers", "datasets", "scikit-learn"}
    assert job.environment["code"] == rerun.environment["code"]


def test_a_limit_takes_a_seeded_sample(alice, model, dataset):
    first = evaluate(alice, model, dataset, limit=5, seed=1)
    other = evaluate(alice, model, dataset, limit=5, seed=2)

    assert first.progress_total == other.progress_total == 5
    assert [s["input"] for s in first.samples] != [s["input"] for s in other.samples]


def test_a_running_job_that_is_cancelled_stops_at_the_next_batch(
    alice, model, dataset, monkeypatch
):
    job, _ = submit(alice, model, dataset)
    step = predict._Classification.step
    batches = []

    def cancel_after_first(self, batch):
        batches.append(len(batch["text"]))
        step(self, batch)
        if len(batches) == 1:
            job_cancel(user=alice, token=None, job=job)

    monkeypatch.setattr(predict._Classification, "step", cancel_after_first)
    job_run(job_id=job.pk)
    job.refresh_from_db()

    assert job.state == State.CANCELLED
    assert batches == [4] and job.results == {}
    assert "cancelled by alice" in job.logs


def test_cancelling_a_finished_job_is_a_conflict_and_outsiders_cannot_cancel(
    alice, charlie, model, dataset
):
    job, _ = submit(alice, model, dataset)
    with pytest.raises(errors.Forbidden):
        job_cancel(user=charlie, token=None, job=job)
    job_run(job_id=job.pk)
    job.refresh_from_db()

    with pytest.raises(errors.HubError) as raised:
        job_cancel(user=alice, token=None, job=job)
    assert raised.value.status == 409


def test_a_job_whose_labels_do_not_fit_fails_and_says_why(alice, tmp_path, model):
    data = factories.dataset(tmp_path / "d2", {"text": ["a", "b"], "label": ["cat", "dog"]})
    animals = make_repo(alice, "animals", "dataset", data)

    job = evaluate(alice, model, animals)

    assert job.state == State.FAILED
    assert "do not cover the dataset's (cat, dog)" in job.error


def test_a_missing_column_fails_the_job_naming_the_columns_there_are(alice, model, dataset):
    job = evaluate(alice, model, dataset, columns={"input": "review"})

    assert job.state == State.FAILED
    assert job.error == "Dataset alice/reviews has no column review; its columns are: text, label"


def test_bad_settings_are_refused_before_anything_is_queued(alice, model, dataset):
    with pytest.raises(InvalidEvaluation, match="has no metric bleu"):
        submit(alice, model, dataset, metrics=["bleu"])
    with pytest.raises(InvalidEvaluation, match="limit must be"):
        submit(alice, model, dataset, limit=-3)
    assert not EvaluationJob.objects.exists()


def test_a_job_is_hidden_from_those_who_cannot_see_both_repos(alice, charlie, model, tmp_path):
    secret = make_repo(
        alice, "secret", "dataset", factories.sentiment(tmp_path / "s", LABELS), private=True
    )
    job, _ = submit(alice, model, secret)

    with pytest.raises(EvaluationNotFound):
        job_get_visible(user=charlie, job_id=job.pk)
    assert list(jobs_list(user=charlie, model="alice/clf")) == []
    assert list(jobs_list(user=alice, model="alice/clf")) == [job]


def _as_if_running(job, *, pid: int, beat_ago: float, attempts: int = 1) -> None:
    EvaluationJob.objects.filter(pk=job.pk).update(
        state=State.RUNNING,
        claim="x" * 32,
        attempts=attempts,
        worker_host=os.uname().nodename,
        worker_pid=pid,
        heartbeat_at=timezone.now() - timedelta(seconds=beat_ago),
    )


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_job_whose_worker_process_died_is_taken_over_by_the_next_delivery(alice, model, dataset):
    job, _ = submit(alice, model, dataset)
    _as_if_running(job, pid=_dead_pid(), beat_ago=1)

    job_run(job_id=job.pk)
    job.refresh_from_db()

    assert job.state == State.SUCCEEDED and job.attempts == 2
    assert "the worker of attempt 1 stopped" in job.logs


def test_a_job_held_by_a_live_worker_is_left_to_it(alice, model, dataset):
    job, _ = submit(alice, model, dataset)
    _as_if_running(job, pid=os.getppid(), beat_ago=1)

    with pytest.raises(JobBusy):
        job_run(job_id=job.pk)


def test_a_job_whose_workers_keep_dying_fails_instead_of_running_forever(alice, model, dataset):
    job, _ = submit(alice, model, dataset)
    _as_if_running(job, pid=_dead_pid(), beat_ago=1, attempts=2)

    job_run(job_id=job.pk)
    job.refresh_from_db()

    assert job.state == State.FAILED
    assert job.error == "The workers running this job stopped 2 times"


def test_a_silent_running_job_is_requeued_once_then_failed_when_read(
    alice, model, dataset, settings, django_capture_on_commit_callbacks
):
    job, _ = submit(alice, model, dataset)
    stale = settings.HUB_EVAL_STALE_SECONDS + 5
    _as_if_running(job, pid=1, beat_ago=stale, attempts=1)

    with django_capture_on_commit_callbacks() as queued:
        job_get_visible(user=alice, job_id=job.pk)
    job.refresh_from_db()
    assert job.state == State.QUEUED and len(queued) == 1

    _as_if_running(job, pid=1, beat_ago=stale, attempts=2)
    assert jobs_reap_stale() == 1
    job.refresh_from_db()
    assert job.state == State.FAILED
    assert "stopped sending heartbeats" in job.error


def test_submitting_a_failed_job_again_queues_it_again(alice, tmp_path, model):
    data = factories.dataset(tmp_path / "d2", {"text": ["a"], "label": ["cat"]})
    animals = make_repo(alice, "animals", "dataset", data)
    failed = evaluate(alice, model, animals)

    again, created = submit(alice, model, animals)

    assert failed.state == State.FAILED and not created
    assert (again.pk, again.state, again.attempts, again.error) == (failed.pk, State.QUEUED, 0, "")
