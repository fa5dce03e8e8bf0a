"""Leaderboards: defined by the dataset's writers, ranked by verified results, with cards'
self-reported results beside them, kept current as models and the dataset change."""

import pytest
from transformers import AutoModelForSequenceClassification

from evaluation import plots
from evaluation.errors import InvalidEvaluation
from evaluation.models import EvaluationJob, LeaderboardEntry
from evaluation.selectors import leaderboard_rows
from evaluation.services.leaderboards import leaderboard_create, leaderboard_submit, on_repo_changed
from evaluation.services.runs import job_run
from registry import errors
from tests.evaluation import factories
from tests.evaluation.conftest import commit_folder, make_repo

pytestmark = pytest.mark.django_db
LABELS = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1]  # 70% positive


@pytest.fixture
def reviews(alice, tmp_path):
    return make_repo(alice, "reviews", "dataset", factories.sentiment(tmp_path / "d", LABELS))


@pytest.fixture
def board(alice, reviews):
    return leaderboard_create(
        user=alice,
        token=None,
        dataset=reviews,
        options={
            "slug": "sentiment",
            "title": "Sentiment",
            "task": "text-classification",
            "metrics": ["accuracy", "f1_macro"],
            "main_metric": "accuracy",
        },
    )


def constant(owner, tmp_path, name: str, label: int, **card):
    return make_repo(
        owner, name, "model", factories.constant_classifier(tmp_path / name, label, **card)
    )


def run_queued() -> None:
    for pk in EvaluationJob.objects.filter(state="queued").values_list("pk", flat=True):
        job_run(job_id=pk)


def test_only_the_datasets_writers_define_its_leaderboards(charlie, reviews):
    with pytest.raises(errors.Forbidden):
        leaderboard_create(
            user=charlie,
            token=None,
            dataset=reviews,
            options={"slug": "mine", "task": "text-classification"},
        )


def test_models_are_ranked_by_the_main_metric_with_their_size_and_commit(
    client, alice, bob, tmp_path, board
):
    positive = constant(alice, tmp_path, "yes-man", 1)
    negative = constant(bob, tmp_path, "no-man", 0)
    for model, user in ((negative, bob), (positive, alice)):
        leaderboard_submit(user=user, token=None, board=board, model=model, revision="main")
    run_queued()

    rows = leaderboard_rows(user=alice, board=board)

    assert [(r.rank, r.model.repo_id, r.values["accuracy"]) for r in rows] == [
        (1, "alice/yes-man", pytest.approx(0.7)),
        (2, "bob/no-man", pytest.approx(0.3)),
    ]
    counted = AutoModelForSequenceClassification.from_pretrained(tmp_path / "yes-man")
    assert rows[0].parameters == counted.num_parameters()
    assert rows[0].sha == positive.head_sha and rows[0].verified
    # Each model's page says where it ranks, linking the board.
    page = client.get("/bob/no-man").content.decode()
    board_link = f'<a href="/leaderboards/{board.path}">Sentiment</a>'
    assert f'<span class="rank">#2</span> of 2 on {board_link}' in page


def test_self_reported_card_results_appear_marked_and_unranked(alice, tmp_path, board):
    claimed = {
        "task": {"type": "text-classification"},
        "dataset": {"type": "alice/reviews", "split": "test"},
        "metrics": [{"type": "accuracy", "value": 0.99}],
    }
    forged = {**claimed, "metrics": [{"type": "f1_macro", "value": 1.0, "verified": True}]}
    card = {"model-index": [{"name": "boaster", "results": [claimed, forged]}]}
    constant(alice, tmp_path, "boaster", 0, **card)
    verified = constant(alice, tmp_path, "honest", 1)
    leaderboard_submit(user=alice, token=None, board=board, model=verified, revision="main")
    run_queued()

    rows = leaderboard_rows(user=alice, board=board)

    assert [(r.model.repo_id, r.verified, r.rank, r.values) for r in rows] == [
        ("alice/honest", True, 1, pytest.approx({"accuracy": 0.7, "f1_macro": 0.7 / 1.7})),
        ("alice/boaster", False, None, {"accuracy": 0.99}),
    ]


def test_a_model_for_another_task_is_refused(alice, tmp_path, board):
    folder = factories.uniform_lm(tmp_path / "lm")
    (folder / "README.md").write_text("---\npipeline_tag: text-generation\n---\n")
    model = make_repo(alice, "lm", "model", folder)

    with pytest.raises(InvalidEvaluation, match="text-generation model"):
        leaderboard_submit(user=alice, token=None, board=board, model=model, revision="main")


def test_new_commits_of_an_entered_model_are_evaluated_but_card_edits_are_not(
    alice, tmp_path, board
):
    model = constant(alice, tmp_path, "improving", 0)
    leaderboard_submit(user=alice, token=None, board=board, model=model, revision="main")
    run_queued()
    (tmp_path / "improving" / "README.md").write_text(
        "---\npipeline_tag: text-classification\n---\nBetter words.\n"
    )
    commit_folder(alice, model, tmp_path / "improving")
    on_repo_changed(model)
    assert EvaluationJob.objects.count() == 1

    factories.constant_classifier(tmp_path / "improving", 1)
    commit_folder(alice, model, tmp_path / "improving")
    on_repo_changed(model)
    run_queued()

    rows = leaderboard_rows(user=alice, board=board)
    assert [(r.sha, r.values["accuracy"]) for r in rows] == [(model.head_sha, pytest.approx(0.7))]


def test_a_new_public_model_naming_the_dataset_is_entered_automatically(alice, tmp_path, board):
    card = {"datasets": ["alice/reviews"]}
    public = constant(alice, tmp_path, "newcomer", 1, **card)
    folder = factories.constant_classifier(tmp_path / "hidden", 1, **card)
    private = make_repo(alice, "hidden", "model", folder, private=True)

    on_repo_changed(public)
    on_repo_changed(private)

    entries = LeaderboardEntry.objects.filter(leaderboard=board)
    assert [(e.model_repo.repo_id, e.submitted_by) for e in entries] == [("alice/newcomer", None)]
    assert EvaluationJob.objects.get().model_repo == public


def test_a_tracked_dataset_that_changes_moves_the_board_and_reevaluates(
    alice, tmp_path, reviews, board
):
    model = constant(alice, tmp_path, "yes-man", 1)
    leaderboard_submit(user=alice, token=None, board=board, model=model, revision="main")
    run_queued()
    factories.sentiment(tmp_path / "d", [1, 0, 0, 0])
    commit_folder(alice, reviews, tmp_path / "d")

    on_repo_changed(reviews)
    run_queued()

    board.refresh_from_db()
    assert board.dataset_sha == reviews.head_sha
    rows = leaderboard_rows(user=alice, board=board)
    assert [r.values["accuracy"] for r in rows] == [pytest.approx(0.25)]


def test_the_plots_draw_every_ranked_model(alice, bob, tmp_path, board):
    for owner, name, label in ((alice, "yes-man", 1), (bob, "no-man", 0)):
        leaderboard_submit(
            user=owner,
            token=None,
            board=board,
            model=constant(owner, tmp_path, name, label),
            revision="main",
        )
    run_queued()
    rows = leaderboard_rows(user=alice, board=board)

    bars = plots.bars(rows, metric="accuracy", label="Accuracy")
    scatter = plots.scatter(rows, metric="accuracy", label="Accuracy")

    assert bars.count("<rect") == 2 and "alice/yes-man: 0.7 (verified)" in bars
    assert scatter.count("<circle") == 2 and "bob/no-man: 0.3," in scatter
    assert "<script" not in bars + scatter and "http" not in bars.replace("http://www.w3.org", "")
