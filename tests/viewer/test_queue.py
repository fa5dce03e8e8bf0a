"""Conversions go to the `viewer` queue, which `manage.py serve` and the compose file give a
worker of its own: a long conversion never holds up the default queue's tasks."""

from pathlib import Path
from queue import Empty

import pytest
import yaml

from tests.viewer.factories import TRAIN, make_dataset
from workers.celery import app

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def queued(name: str) -> list[tuple[str, list]]:
    """Takes every message waiting in the broker's queue `name`: (task name, args)."""
    taken = []
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue(name)
        while True:
            try:
                message = queue.get(block=False)
            except Empty:
                break
            taken.append((message.headers["task"], message.payload[0]))
            message.ack()
        queue.close()
    return taken


def queues_of(command: list[str]) -> set[str]:
    return set(command[command.index("--queues") + 1].split(","))


def test_a_push_to_a_dataset_queues_its_conversion_on_the_viewer_queue(
    alice, django_capture_on_commit_callbacks
):
    queued("viewer")
    with django_capture_on_commit_callbacks(execute=True):
        repo = make_dataset(alice, "reviews", {"train.csv": TRAIN.encode()})

    # Creating the repo moved main too: each move queues one.
    assert {(task, tuple(args)) for task, args in queued("viewer")} == {
        ("minihub.viewer_convert", (repo.pk,))
    }


def test_the_compose_file_runs_a_worker_for_the_viewer_queue_apart_from_the_default_one():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    queues = {
        name: queues_of(service["command"])
        for name, service in services.items()
        if "--queues" in service.get("command", [])
    }

    assert {"viewer"} in queues.values()
    assert all("default" not in q for q in queues.values() if "viewer" in q)
