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


@pytest.fixture
def board(alice, repos):
    return leaderboard_create(
        user=alice,
        token=None,
        dataset=repos["dataset"],
        options={
            "slug": "sentiment",
            "title": "Sentiment",
            "task": "text-classification",
            "metrics": ["accuracy", "f1_macro"],
            "main_metric": "accuracy",
        },
    )


def test_the_datasets_writers_change_a_leaderboards_settings(client, alice, charlie, board):
    client.force_login(charlie)
    assert "Leaderboard settings" not in client.get("/leaderboards/alice/reviews/sentiment").text
    refused = client.post(
        "/leaderboards/alice/reviews/sentiment/settings",
        {"title": "Mine", "main_metric": "f1_macro"},
    )
    assert refused.status_code == 403
    client.force_login(alice)
    assert "Leaderboard settings" in client.get("/leaderboards/alice/reviews/sentiment").text

    client.post(
        "/leaderboards/alice/reviews/sentiment/settings",
        {"title": "Sentiment v2", "description": "Reviews", "main_metric": "f1_macro"},
    )

    board.refresh_from_db()
    assert (board.title, board.description, board.main_metric) == (
        "Sentiment v2",
        "Reviews",
        "f1_macro",
    )
    page = client.get("/leaderboards/alice/reviews/sentiment").text
    assert "ranked by <strong>f1_macro</strong>" in page


def test_a_metric_the_board_does_not_compute_cannot_rank_it(client, alice, board):
    client.force_login(alice)

    client.post(
        "/leaderboards/alice/reviews/sentiment/settings",
        {"title": "Sentiment", "main_metric": "bleu"},
    )

    board.refresh_from_db()
    assert board.main_metric == "accuracy"


def test_deleting_a_leaderboard_keeps_the_evaluations(client, alice, charlie, repos, board):
    leaderboard_submit(user=alice, token=None, board=board, model=repos["model"], revision="main")
    client.force_login(charlie)
    assert client.post("/leaderboards/alice/reviews/sentiment/delete").status_code == 403
    client.force_login(alice)

    response = client.post("/leaderboards/alice/reviews/sentiment/delete")

    assert response.status_code == 302
    assert client.get("/leaderboards/alice/reviews/sentiment").status_code == 404
    assert EvaluationJob.objects.filter(model_repo=repos["model"]).exists()


def test_the_api_changes_and_deletes_a_leaderboard(client, alice, charlie, board):
    from registry.services.tokens import token_create

    url = "/api/leaderboards/alice/reviews/sentiment"
    mine = token_create(user=alice, name="w", role="write")[1]
    theirs = token_create(user=charlie, name="w", role="write")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {mine}"}

    refused = client.patch(
        url,
        {"title": "x"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {theirs}",
    )
    fixed = client.patch(url, {"dataset_sha": "0" * 40}, content_type="application/json", **auth)
    changed = client.patch(
        url, {"title": "Renamed", "auto_propose": True}, content_type="application/json", **auth
    )
    deleted = client.delete(url, **auth)

    assert refused.status_code == 403
    assert fixed.status_code == 400 and "Cannot change dataset_sha" in fixed.json()["error"]
    assert changed.status_code == 200 and changed.json()["title"] == "Renamed"
    assert deleted.status_code == 204
    assert client.get(url).status_code == 404
