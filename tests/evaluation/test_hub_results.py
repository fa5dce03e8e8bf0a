"""Results in the Hub's current format: the hub's own jobs as verified results with a token it
can check, `.eval_results/*.yaml` entries as community-reported ones, and a dataset's
leaderboard ranking both, each shown only to those who can see the model and the dataset."""

import pytest
import yaml

from evaluation.hubformat import InvalidVerifyToken, verify_token_read
from evaluation.hubresults import dataset_board, dataset_leaderboard, model_eval_results
from evaluation.selectors import leaderboard_rows
from evaluation.services.leaderboards import leaderboard_create, leaderboard_submit
from registry.gitstore import Change, GitRepo
from registry.services.commits import commit_create
from tests.evaluation import factories
from tests.evaluation.conftest import make_repo
from tests.evaluation.test_leaderboards import LABELS, constant, run_queued

pytestmark = pytest.mark.django_db
HUB = "http://hub"


@pytest.fixture
def reviews(alice, tmp_path):
    return make_repo(alice, "reviews", "dataset", factories.sentiment(tmp_path / "d", LABELS))


def define_board(user, dataset, slug="sentiment"):
    return leaderboard_create(
        user=user,
        token=None,
        dataset=dataset,
        options={"slug": slug, "task": "text-classification", "main_metric": "accuracy"},
    )


@pytest.fixture
def board(alice, reviews):
    return define_board(alice, reviews)


@pytest.fixture
def ranked(alice, tmp_path, board):
    """alice/yes-man, evaluated by the hub on the board: accuracy 0.7."""
    model = constant(alice, tmp_path, "yes-man", 1)
    leaderboard_submit(user=alice, token=None, board=board, model=model, revision="main")
    run_queued()
    return model


def report(user, model, entries: list[dict], path: str = ".eval_results/reviews.yaml") -> None:
    git = GitRepo(model.storage_id)
    blob = git.write_blob(yaml.safe_dump(entries).encode())
    commit_create(
        user=user,
        repo=model,
        git=git,
        ref="refs/heads/main",
        parent_commit=None,
        changes=[Change("add", path, blob)],
        message="Add eval results",
    )
    model.refresh_from_db()


def entry(value: float, **extra) -> dict:
    return {"dataset": {"id": "alice/reviews", "task_id": "sentiment"}, "value": value, **extra}


def test_a_hub_evaluation_is_a_verified_result_with_a_token_the_hub_checks(
    charlie, reviews, ranked
):
    [result] = model_eval_results(user=charlie, model=ranked, base_url=HUB)

    assert result["verified"] is True
    data = result["data"]
    assert data["dataset"]["id"] == "alice/reviews"
    assert data["dataset"]["task_id"] == "sentiment"
    assert data["dataset"]["revision"] == reviews.head_sha
    assert data["value"] == pytest.approx(0.7)
    assert data["source"]["url"].startswith(f"{HUB}/evaluations/")
    claims = verify_token_read(data["verifyToken"])
    assert claims["modelId"] == "alice/yes-man" and claims["value"] == data["value"]
    assert claims["modelSha"] == ranked.head_sha


def test_an_altered_token_does_not_check(charlie, ranked):
    [result] = model_eval_results(user=charlie, model=ranked, base_url=HUB)
    token = result["data"]["verifyToken"]

    with pytest.raises(InvalidVerifyToken):
        verify_token_read(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))


def test_an_eval_results_file_is_a_community_reported_result(bob, charlie, tmp_path, board):
    model = constant(bob, tmp_path, "claimer", 0)
    report(bob, model, [entry(0.95, notes="no-tools", source={"url": "https://example.org"})])

    [result] = model_eval_results(user=charlie, model=model, base_url=HUB)

    assert result["filename"] == ".eval_results/reviews.yaml"
    assert result["verified"] is False
    assert result["data"]["value"] == 0.95
    assert result["data"]["notes"] == "no-tools"
    assert result["data"]["date"].endswith("Z")  # the commit's time, as the format says


def test_a_file_that_does_not_follow_the_format_is_reported_as_an_error(bob, charlie, tmp_path):
    model = constant(bob, tmp_path, "sloppy", 0)
    report(bob, model, [{"dataset": {"id": "alice/reviews"}, "value": "high"}])

    [result] = model_eval_results(user=charlie, model=model, base_url=HUB)

    assert result == {
        "filename": ".eval_results/reviews.yaml",
        "error": "result 1: `dataset.task_id` must be a string",
    }


def test_a_token_copied_into_another_models_file_does_not_verify(bob, charlie, tmp_path, ranked):
    [verified] = model_eval_results(user=charlie, model=ranked, base_url=HUB)
    copier = constant(bob, tmp_path, "copier", 0)
    report(bob, copier, [entry(0.7, verifyToken=verified["data"]["verifyToken"])])

    [result] = model_eval_results(user=charlie, model=copier, base_url=HUB)

    assert result["verified"] is False


def test_a_token_with_a_changed_value_does_not_verify(alice, charlie, ranked):
    [verified] = model_eval_results(user=charlie, model=ranked, base_url=HUB)
    report(alice, ranked, [entry(0.99, verifyToken=verified["data"]["verifyToken"])])

    results = model_eval_results(user=charlie, model=ranked, base_url=HUB)

    assert [(r["filename"], r["verified"]) for r in results] == [
        (None, True),
        (".eval_results/reviews.yaml", False),
    ]


def test_the_leaderboard_ranks_verified_results_before_reported_ones(
    bob, charlie, tmp_path, board, ranked
):
    claimer = constant(bob, tmp_path, "claimer", 0)
    report(bob, claimer, [entry(0.95)])

    rows = dataset_leaderboard(user=charlie, board=board, base_model_only=True, base_url=HUB)

    assert [(r.model.repo_id, r.verified, r.value) for r in rows] == [
        ("alice/yes-man", True, pytest.approx(0.7)),
        ("bob/claimer", False, 0.95),
    ]
    assert rows[1].filename == ".eval_results/reviews.yaml"


def test_the_file_copy_of_a_listed_verified_result_is_not_listed_twice(
    alice, charlie, board, ranked
):
    [verified] = model_eval_results(user=charlie, model=ranked, base_url=HUB)
    report(alice, ranked, [verified["data"]])

    rows = dataset_leaderboard(user=charlie, board=board, base_model_only=True, base_url=HUB)

    assert [(r.model.repo_id, r.verified, r.filename) for r in rows] == [
        ("alice/yes-man", True, None)
    ]


def test_charlie_does_not_see_a_private_models_results_on_the_leaderboard(
    alice, charlie, tmp_path, board
):
    folder = factories.constant_classifier(tmp_path / "hidden", 1)
    hidden = make_repo(alice, "hidden", "model", folder, private=True)
    leaderboard_submit(user=alice, token=None, board=board, model=hidden, revision="main")
    run_queued()
    report(alice, hidden, [entry(0.9)])

    seen_by_charlie = dataset_leaderboard(
        user=charlie, board=board, base_model_only=True, base_url=HUB
    )
    seen_by_alice = dataset_leaderboard(user=alice, board=board, base_model_only=True, base_url=HUB)

    assert seen_by_charlie == []
    assert [(r.model.repo_id, r.verified) for r in seen_by_alice] == [
        ("alice/hidden", True),
        ("alice/hidden", False),
    ]
    assert leaderboard_rows(user=charlie, board=board) == []


def test_charlie_does_not_see_results_on_a_private_dataset(alice, charlie, tmp_path):
    secret = make_repo(
        alice, "secret", "dataset", factories.sentiment(tmp_path / "s", LABELS), private=True
    )
    board = define_board(alice, secret)
    model = constant(alice, tmp_path, "public-model", 1)
    leaderboard_submit(user=alice, token=None, board=board, model=model, revision="main")
    run_queued()

    assert model_eval_results(user=charlie, model=model, base_url=HUB) == []
    assert len(model_eval_results(user=alice, model=model, base_url=HUB)) == 1


def test_fine_tunes_are_left_out_unless_asked_for_as_on_the_hub(bob, charlie, tmp_path, board):
    tuned = constant(bob, tmp_path, "tuned", 0, base_model="alice/yes-man")
    report(bob, tuned, [entry(0.8)])

    default = dataset_leaderboard(user=charlie, board=board, base_model_only=True, base_url=HUB)
    everything = dataset_leaderboard(user=charlie, board=board, base_model_only=False, base_url=HUB)

    assert default == []
    assert [r.model.repo_id for r in everything] == ["bob/tuned"]


def test_reported_results_show_apart_on_the_leaderboard_page(bob, charlie, tmp_path, board, ranked):
    claimer = constant(bob, tmp_path, "claimer", 0)
    report(bob, claimer, [entry(0.95)])

    rows = leaderboard_rows(user=charlie, board=board)

    assert [(r.model.repo_id, r.verified, r.rank) for r in rows] == [
        ("alice/yes-man", True, 1),
        ("bob/claimer", False, None),
    ]


def test_a_task_id_names_one_of_the_datasets_leaderboards(alice, reviews, board):
    other = define_board(alice, reviews, slug="second")

    assert dataset_board(dataset=reviews, task_id=None) == board
    assert dataset_board(dataset=reviews, task_id="second") == other


def test_the_leaderboard_page_shows_a_reported_result_marked_so(
    client, bob, tmp_path, board, ranked
):
    claimer = constant(bob, tmp_path, "claimer", 0)
    report(bob, claimer, [entry(0.95)])

    page = client.get("/leaderboards/alice/reviews/sentiment").content.decode()

    assert '<tr class="verified" data-model="alice/yes-man">' in page
    assert '<tr class="self-reported" data-model="bob/claimer">' in page
