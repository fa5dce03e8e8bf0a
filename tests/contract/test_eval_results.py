"""Evaluation results in the Hub's current format through the stock client: the hub's own
evaluation (run by the real worker) as a verified `EvalResultEntry` with a token the hub
checks, `.eval_results/*.yaml` as community-reported results, and `get_dataset_leaderboard`
ranking both, without leaking private models."""

import uuid

import pytest
import yaml
from huggingface_hub import EvalResultEntry
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

from tests.contract.conftest import head_sha, make_repo, wire
from tests.contract.test_evaluation import LABELS, finished, push
from tests.evaluation import factories

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def board(hub, alice, tmp_path_factory) -> dict:
    """alice/reviews-* with a `sentiment` leaderboard on which alice/yes-man-* was evaluated
    by the hub (accuracy 0.7)."""
    root = tmp_path_factory.mktemp("eval-results")
    model = push(hub, alice, factories.constant_classifier(root / "yes", 1), name="yes-man")
    dataset = push(
        hub,
        alice,
        factories.sentiment(root / "reviews", LABELS),
        name="reviews",
        repo_type="dataset",
    )
    with wire(hub, alice) as client:
        created = client.post(
            "/api/leaderboards",
            json={"dataset": dataset, "slug": "sentiment", "task": "text-classification"},
        )
        assert created.status_code == 201, created.text
        job = client.post(f"/api/leaderboards/{dataset}/sentiment/submit", json={"model": model})
        assert job.status_code == 201, job.text
        assert finished(client, job.json()["id"])["state"] == "succeeded"
    return {"model": model, "dataset": dataset}


def report(hub, persona, value: float, dataset: str, **repo_options) -> str:
    """A model repo of `persona` whose only file reports `value` on the board."""
    repo_id = make_repo(hub, persona, f"claims-{uuid.uuid4().hex[:6]}", **repo_options)
    entries = [{"dataset": {"id": dataset, "task_id": "sentiment"}, "value": value}]
    persona.api(hub).upload_file(
        path_or_fileobj=yaml.safe_dump(entries).encode(),
        path_in_repo=".eval_results/reviews.yaml",
        repo_id=repo_id,
    )
    return repo_id


def test_model_info_gives_the_hubs_evaluation_as_a_verified_entry(hub, alice, charlie, board):
    info = charlie.api(hub).model_info(board["model"], expand=["evalResults"])

    [result] = info.eval_results
    assert isinstance(result, EvalResultEntry)
    assert (result.dataset_id, result.task_id) == (board["dataset"], "sentiment")
    assert result.value == pytest.approx(0.7)
    assert result.dataset_revision == head_sha(hub, alice, board["dataset"], repo_type="dataset")
    assert result.source_url.startswith(f"{hub.url}/evaluations/")
    with wire(hub, charlie) as client:
        checked = client.get("/api/evaluations/verify", params={"token": result.verify_token})
        page = client.get(f"/{board['model']}").text
    assert "Verified results" in page and "Community-reported results" not in page
    assert checked.status_code == 200
    assert checked.json()["claims"]["modelId"] == board["model"]
    assert checked.json()["claims"]["value"] == result.value


def test_a_forged_verify_token_is_refused(hub, charlie):
    with wire(hub, charlie) as client:
        answer = client.get("/api/evaluations/verify", params={"token": "eyJmYWtlIjoxfQ:forged"})

    assert answer.status_code == 400
    assert answer.headers["X-Error-Code"] == "InvalidVerifyToken"


def test_an_eval_results_file_is_a_community_reported_entry(hub, bob, charlie, board):
    claimer = report(hub, bob, 0.95, board["dataset"])

    info = charlie.api(hub).model_info(claimer, expand=["evalResults"])
    with wire(hub, charlie) as client:
        page = client.get(f"/{claimer}").text

    [result] = info.eval_results
    assert (result.dataset_id, result.task_id, result.value) == (
        board["dataset"],
        "sentiment",
        0.95,
    )
    assert result.verify_token is None
    assert "Community-reported results" in page and "Verified results" not in page


def test_the_dataset_leaderboard_ranks_verified_results_before_reported_ones(
    hub, bob, charlie, board
):
    claimer = report(hub, bob, 0.95, board["dataset"])

    rows = charlie.api(hub).get_dataset_leaderboard(board["dataset"])

    assert [(r.rank, r.model_id, r.verified) for r in rows][:1] == [(1, board["model"], True)]
    assert rows[0].value == pytest.approx(0.7) and rows[0].author.username == "alice"
    mine = [r for r in rows if r.model_id == claimer]
    assert [(r.verified, r.value, r.filename) for r in mine] == [
        (False, 0.95, ".eval_results/reviews.yaml")
    ]
    assert mine[0].rank > 1


def test_charlie_does_not_see_a_private_models_result_on_the_leaderboard(
    hub, alice, charlie, board
):
    hidden = report(hub, alice, 0.99, board["dataset"], private=True)

    seen_by_alice = alice.api(hub).get_dataset_leaderboard(board["dataset"])
    seen_by_charlie = charlie.api(hub).get_dataset_leaderboard(board["dataset"])

    assert hidden in [r.model_id for r in seen_by_alice]
    assert hidden not in [r.model_id for r in seen_by_charlie]


def test_fine_tunes_join_the_leaderboard_when_asked_for(hub, bob, charlie, board):
    tuned = report(hub, bob, 0.5, board["dataset"])
    bob.api(hub).upload_file(
        path_or_fileobj=f"---\nbase_model: {board['model']}\n---\n".encode(),
        path_in_repo="README.md",
        repo_id=tuned,
    )

    default = charlie.api(hub).get_dataset_leaderboard(board["dataset"])
    everything = charlie.api(hub).get_dataset_leaderboard(board["dataset"], base_model_only=False)

    assert tuned not in [r.model_id for r in default]
    assert tuned in [r.model_id for r in everything]


def test_a_dataset_without_a_leaderboard_is_an_error_and_a_private_one_is_not_found(
    hub, alice, charlie, tmp_path
):
    plain = make_repo(hub, alice, f"plain-{uuid.uuid4().hex[:6]}", repo_type="dataset")
    secret = make_repo(
        hub, alice, f"secret-{uuid.uuid4().hex[:6]}", repo_type="dataset", private=True
    )

    with pytest.raises(HfHubHTTPError) as missing:
        charlie.api(hub).get_dataset_leaderboard(plain)
    with pytest.raises(RepositoryNotFoundError):
        charlie.api(hub).get_dataset_leaderboard(secret)

    assert missing.value.response.status_code == 404
    assert not isinstance(missing.value, RepositoryNotFoundError)
