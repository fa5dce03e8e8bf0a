"""The evaluation pages through Django's test client: forms, the job page, the model's
results and the leaderboard, as HTML pages with the hub's error pages and script policy."""

import pytest

from evaluation.models import EvaluationJob
from evaluation.services.leaderboards import leaderboard_create, leaderboard_submit
from evaluation.services.runs import job_run
from tests.evaluation import factories
from tests.evaluation.conftest import evaluate, make_repo

pytestmark = pytest.mark.django_db


@pytest.fixture
def repos(alice, tmp_path):
    return {
        "model": make_repo(
            alice, "yes-man", "model", factories.constant_classifier(tmp_path / "m", 1)
        ),
        "dataset": make_repo(
            alice, "reviews", "dataset", factories.sentiment(tmp_path / "d", [1, 1, 0, 1])
        ),
    }


def test_the_form_submits_a_job_and_its_page_shows_the_results(client, alice, repos):
    client.force_login(alice)

    answer = client.post(
        "/evaluations/new",
        {
            "model": "alice/yes-man",
            "dataset": "alice/reviews",
            "split": "test",
            "task": "",
            "metrics": "accuracy",
            "input_column": "text",
            "label_column": "label",
        },
    )
    job = EvaluationJob.objects.get()
    job_run(job_id=job.pk)
    page = client.get(f"/evaluations/{job.pk}")

    assert answer.status_code == 302 and answer["Location"] == f"/evaluations/{job.pk}"
    assert (job.task, job.metrics, job.columns) == (
        "text-classification",
        ["accuracy"],
        {"input": "text", "label": "label"},
    )
    html = page.content.decode()
    assert 'data-metric="accuracy">0.7500<' in html
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert "<script>" not in html


def test_signing_in_is_needed_to_submit_and_private_results_stay_hidden(
    client, alice, charlie, tmp_path, repos
):
    secret = make_repo(
        alice, "secret", "model", factories.constant_classifier(tmp_path / "s", 0), private=True
    )
    job = evaluate(alice, secret, repos["dataset"])

    assert client.get("/evaluations/new")["Location"].startswith("/login")
    client.force_login(charlie)
    assert client.get("/alice/secret/evaluations").status_code == 404
    assert client.get(f"/evaluations/{job.pk}").status_code == 404
    assert client.get("/leaderboards/new?dataset=alice/reviews").status_code == 403


def test_a_model_page_lists_its_results_and_offers_the_pull_request(client, alice, repos):
    job = evaluate(alice, repos["model"], repos["dataset"])
    client.force_login(alice)

    html = client.get("/alice/yes-man/evaluations").content.decode()

    assert f'href="/evaluations/{job.pk}"' in html
    assert "accuracy <strong>0.7500</strong>" in html
    assert f'action="/evaluations/{job.pk}/propose"' in html


def test_the_leaderboard_sorts_by_any_column(client, alice, bob, tmp_path, repos):
    board = leaderboard_create(
        user=alice,
        token=None,
        dataset=repos["dataset"],
        options={"slug": "s", "task": "text-classification"},
    )
    wide = make_repo(bob, "wide", "model", factories.wide_classifier(tmp_path / "w"))
    for model, user in ((repos["model"], alice), (wide, bob)):
        leaderboard_submit(user=user, token=None, board=board, model=model, revision="main")
    for pk in EvaluationJob.objects.values_list("pk", flat=True):
        job_run(job_id=pk)

    by_size = client.get("/leaderboards/alice/reviews/s?sort=parameters&dir=desc")
    by_name = client.get("/leaderboards/alice/reviews/s?sort=model&dir=asc")

    def order(answer) -> list[int]:
        html = answer.content.decode()
        return sorted(("alice/yes-man", "bob/wide"), key=lambda m: html.index(f'data-model="{m}"'))

    assert order(by_size) == ["bob/wide", "alice/yes-man"]
    assert order(by_name) == ["alice/yes-man", "bob/wide"]
    assert 'aria-sort="descending"' in by_size.content.decode()
