"""A result goes back to the model repo as a pull request adding it to the card's
`model-index`, with the card's text kept as it was."""

import pytest
import yaml

from evaluation.modelindex import card_with_result
from evaluation.services.leaderboards import leaderboard_create, leaderboard_submit
from evaluation.services.proposals import result_propose
from evaluation.services.runs import job_run
from registry import errors
from registry.cards import split_front_matter
from registry.gitstore import GitRepo
from registry.models import Discussion
from tests.evaluation import factories
from tests.evaluation.conftest import evaluate, make_repo

pytestmark = pytest.mark.django_db
BODY = "# Yes-man\n\nIt says yes.\n\n---\n\nA rule above is not front matter.\n"


@pytest.fixture
def model(alice, tmp_path):
    folder = factories.constant_classifier(tmp_path / "m", 1)
    front = {"pipeline_tag": "text-classification", "license": "mit"}
    (folder / "README.md").write_text(f"---\n{yaml.safe_dump(front)}---\n{BODY}")
    return make_repo(alice, "yes-man", "model", folder)


@pytest.fixture
def reviews(alice, tmp_path):
    return make_repo(alice, "reviews", "dataset", factories.sentiment(tmp_path / "d", [1, 0, 1, 1]))


def card_on(repo, ref: str) -> str:
    git = GitRepo(repo.storage_id)
    return git.read_blob(git.entry(git.resolve(ref), "README.md").oid).decode()


def test_a_result_is_proposed_once_as_a_pull_request_editing_the_model_index(
    alice, bob, model, reviews
):
    job = evaluate(alice, model, reviews, metrics=["accuracy"])

    pull = result_propose(user=bob, token=None, job=job, base_url="http://hub.test")
    again = result_propose(user=alice, token=None, job=job, base_url="http://hub.test")

    assert again.pk == pull.pk and pull.is_pull_request and pull.author == bob
    front, body = split_front_matter(card_on(model, pull.git_ref))
    data = yaml.safe_load(front)
    assert body == BODY and data["license"] == "mit"
    [result] = data["model-index"][0]["results"]
    assert result["dataset"] == {
        "name": "alice/reviews",
        "type": "alice/reviews",
        "config": "default",
        "split": "test",
        "revision": reviews.head_sha,
    }
    assert result["metrics"] == [
        {"type": "accuracy", "value": 0.75, "name": "Accuracy", "verified": True}
    ]
    assert result["source"]["url"] == f"http://hub.test/evaluations/{job.pk}"
    assert card_on(model, "main").endswith(BODY) and "model-index" not in card_on(model, "main")


def test_results_on_private_datasets_are_not_proposed(alice, tmp_path, model):
    secret = make_repo(
        alice, "secret", "dataset", factories.sentiment(tmp_path / "s", [1, 0]), private=True
    )
    job = evaluate(alice, model, secret)

    with pytest.raises(errors.Forbidden):
        result_propose(user=alice, token=None, job=job, base_url="")
    assert not Discussion.objects.exists()


def test_a_leaderboard_can_propose_every_new_verified_result_itself(alice, model, reviews):
    board = leaderboard_create(
        user=alice,
        token=None,
        dataset=reviews,
        options={
            "slug": "auto",
            "task": "text-classification",
            "auto_propose": True,
        },
    )
    _, job = leaderboard_submit(user=alice, token=None, board=board, model=model, revision="main")

    job_run(job_id=job.pk)
    job.refresh_from_db()

    assert job.pull_request is not None and job.pull_request.author == alice
    assert "model-index" in card_on(model, job.pull_request.git_ref)


def test_a_new_result_replaces_the_same_task_and_split_and_keeps_others():
    def entry(split: str, value: float) -> dict:
        return {
            "task": {"type": "text-classification"},
            "dataset": {"type": "a/b", "config": "default", "split": split},
            "metrics": [{"type": "accuracy", "value": value}],
        }

    once = card_with_result(None, model_name="m", entry=entry("test", 0.1))
    twice = card_with_result(once, model_name="m", entry=entry("validation", 0.2))
    thrice = card_with_result(twice, model_name="m", entry=entry("test", 0.3))

    results = yaml.safe_load(split_front_matter(thrice)[0])["model-index"][0]["results"]
    assert [(r["dataset"]["split"], r["metrics"][0]["value"]) for r in results] == [
        ("validation", 0.2),
        ("test", 0.3),
    ]
    assert split_front_matter(thrice)[1] == "\n# m\n"
