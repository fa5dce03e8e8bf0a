"""The evaluation API against a live hub: jobs run by the real Celery worker on models and
datasets pushed with HfApi, leaderboards as JSON and CSV, results proposed as pull requests,
and a worker process killed in the middle of a job."""

import csv
import io
import uuid

import psutil
import pytest
import yaml
from huggingface_hub import hf_hub_download

from tests.contract.conftest import wire, xet_disabled
from tests.evaluation import factories
from tests.live import wait_until

pytestmark = pytest.mark.live

LABELS = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1]  # 70% positive
SLOW_ROWS = 600
FINISHED = {"succeeded", "failed", "cancelled"}


def push(hub, persona, folder, *, name: str, repo_type: str = "model", private=False) -> str:
    with xet_disabled():
        api = persona.api(hub)
        repo_id = api.create_repo(
            f"{persona.name}/{name}-{uuid.uuid4().hex[:6]}", repo_type=repo_type, private=private
        ).repo_id
        api.upload_folder(folder_path=folder, repo_id=repo_id, repo_type=repo_type)
    return repo_id


@pytest.fixture(scope="module")
def repos(hub, alice, bob, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("evaluation")
    slow_texts = [
        f"the quick brown fox jumps over the lazy dog in paris {n} " * 6 for n in range(SLOW_ROWS)
    ]
    slow_labels = [n % 2 for n in range(SLOW_ROWS)]
    slow = factories.dataset(root / "slow", {"text": slow_texts, "label": slow_labels})
    return {
        "yes": push(hub, alice, factories.constant_classifier(root / "yes", 1), name="yes-man"),
        "no": push(hub, bob, factories.constant_classifier(root / "no", 0), name="no-man"),
        "big": push(hub, alice, factories.wide_classifier(root / "big"), name="big"),
        "reviews": push(
            hub,
            alice,
            factories.sentiment(root / "reviews", LABELS),
            name="reviews",
            repo_type="dataset",
        ),
        "secret": push(
            hub,
            alice,
            factories.sentiment(root / "secret", LABELS),
            name="secret",
            repo_type="dataset",
            private=True,
        ),
        "slow": push(hub, alice, slow, name="slow", repo_type="dataset"),
    }


def job_state(client, job_id: int) -> dict:
    answer = client.get(f"/api/evaluations/{job_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def finished(client, job_id: int, timeout: float = 240) -> dict:
    seen = {}

    def done() -> dict | None:
        seen.update(job_state(client, job_id))
        return dict(seen) if seen["state"] in FINISHED else None

    try:
        return wait_until(done, timeout=timeout, message=f"job {job_id} to finish")
    except TimeoutError:
        pytest.fail(f"job {job_id} still {seen.get('state')} after {timeout}s:\n{seen['logs']}")


def test_a_job_is_run_by_a_worker_and_the_same_job_is_not_run_twice(hub, alice, bob, repos):
    body = {"model": repos["yes"], "dataset": repos["reviews"], "split": "test"}
    with wire(hub, alice) as client, wire(hub, bob) as other:
        created = client.post("/api/evaluations", json=body)
        assert created.status_code == 201, created.text
        job = finished(client, created.json()["id"])
        again = other.post("/api/evaluations", json={**body, "config": "default", "seed": 0})
        listed = client.get("/api/evaluations", params={"model": repos["yes"]}).json()

    assert job["state"] == "succeeded", job["logs"]
    assert job["results"]["accuracy"] == pytest.approx(0.7)
    assert job["results"]["recall_macro"] == pytest.approx(0.5)
    assert job["progress"] == {"done": 10, "total": 10, "percent": 100}
    assert job["duration"] > 0 and job["model"]["parameters"] > 0
    assert job["environment"]["libraries"]["scikit-learn"][0].isdigit()
    assert (again.status_code, again.json()["id"]) == (200, job["id"])
    assert [j["id"] for j in listed] == [job["id"]]


def test_private_data_stays_private(hub, alice, charlie, anonymous, repos):
    body = {"model": repos["yes"], "dataset": repos["secret"]}
    with wire(hub, alice) as owner, wire(hub, charlie) as outsider, wire(hub, anonymous) as anon:
        job = owner.post("/api/evaluations", json=body).json()
        refused = outsider.post("/api/evaluations", json=body)
        hidden = outsider.get(f"/api/evaluations/{job['id']}")
        anonymous_post = anon.post("/api/evaluations", json={**body, "dataset": repos["reviews"]})
        finished(owner, job["id"])

    assert (refused.status_code, refused.headers["X-Error-Code"]) == (404, "RepoNotFound")
    assert (hidden.status_code, hidden.headers["X-Error-Code"]) == (404, "EvaluationNotFound")
    assert anonymous_post.status_code == 401


def test_a_running_job_can_be_cancelled(hub, alice, repos):
    with wire(hub, alice) as client:
        job = client.post(
            "/api/evaluations", json={"model": repos["big"], "dataset": repos["slow"], "seed": 7}
        ).json()
        wait_until(
            lambda: job_state(client, job["id"])["progress"]["done"] > 0,
            timeout=120,
            interval=0.05,
            message="the job to make progress",
        )
        cancelled = client.post(f"/api/evaluations/{job['id']}/cancel")
        # The worker is free again once it noticed: a new job gets all the way through.
        quick = client.post(
            "/api/evaluations", json={"model": repos["no"], "dataset": repos["reviews"]}
        ).json()
        finished(client, quick["id"])
        after = job_state(client, job["id"])

    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert after["state"] == "cancelled" and after["results"] == {}
    assert after["progress"]["done"] < SLOW_ROWS
    assert "cancelled by alice" in after["logs"]


def test_a_job_whose_worker_process_is_killed_is_retried_not_left_running(hub, alice, repos):
    with wire(hub, alice) as client:
        job = client.post(
            "/api/evaluations", json={"model": repos["big"], "dataset": repos["slow"], "seed": 8}
        ).json()
        running = wait_until(
            lambda: (j := job_state(client, job["id"]))["progress"]["done"] > 0 and j,
            timeout=120,
            interval=0.05,
            message="the job to run",
        )
        psutil.Process(running["worker"]["pid"]).kill()
        done = finished(client, job["id"], timeout=300)

    assert done["state"] == "succeeded", done["logs"]
    assert done["attempts"] == 2 and done["worker"]["pid"] != running["worker"]["pid"]
    assert "the worker of attempt 1 stopped" in done["logs"]
    assert done["progress"]["done"] == SLOW_ROWS


def test_leaderboards_rank_submitted_models_as_json_and_csv(hub, alice, bob, charlie, repos):
    dataset = repos["reviews"]
    board = {
        "dataset": dataset,
        "slug": "sentiment",
        "title": "Sentiment",
        "task": "text-classification",
        "metrics": ["accuracy", "f1_macro"],
    }
    with wire(hub, alice) as client, wire(hub, charlie) as outsider:
        forbidden = outsider.post("/api/leaderboards", json=board)
        created = client.post("/api/leaderboards", json=board)
        url = f"/api/leaderboards/{dataset}/sentiment"
        jobs = [
            client.post(f"{url}/submit", json={"model": repos[name]}).json()
            for name in ("no", "yes")
        ]
        for job in jobs:
            finished(client, job["id"])
        table = client.get(url).json()
        download = client.get(f"{url}.csv")

    assert forbidden.status_code == 403 and created.status_code == 201
    assert created.json()["main_metric"] == "accuracy" and created.json()["tracks_branch"]
    assert [(r["rank"], r["model"], r["verified"]) for r in table["rows"]] == [
        (1, repos["yes"], True),
        (2, repos["no"], True),
    ]
    assert table["rows"][0]["results"]["accuracy"] == pytest.approx(0.7)
    assert download.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [(r["rank"], r["model"], r["source"]) for r in rows] == [
        ("1", repos["yes"], "verified"),
        ("2", repos["no"], "verified"),
    ]
    assert float(rows[1]["accuracy"]) == pytest.approx(0.3)


def test_a_result_is_proposed_to_the_model_repo_as_a_pull_request(hub, alice, bob, repos):
    with wire(hub, bob) as client:
        job = client.post(
            "/api/evaluations",
            json={"model": repos["yes"], "dataset": repos["reviews"], "metrics": ["accuracy"]},
        ).json()
        finished(client, job["id"])
        proposed = client.post(f"/api/evaluations/{job['id']}/pull-request")

    pull = proposed.json()["pull_request"]
    assert proposed.status_code == 201 and pull["url"].endswith(f"/discussions/{pull['num']}")
    api = alice.api(hub)
    details = api.get_discussion_details(repos["yes"], pull["num"])
    assert details.is_pull_request and details.author == "bob"
    card = hf_hub_download(
        repos["yes"],
        "README.md",
        revision=f"refs/pr/{pull['num']}",
        endpoint=hub.url,
        token=alice.token,
    )
    with open(card) as handle:
        front = yaml.safe_load(handle.read().split("---")[1])
    [result] = front["model-index"][0]["results"]
    assert result["metrics"][0]["value"] == pytest.approx(0.7)
    assert result["dataset"]["type"] == repos["reviews"]
