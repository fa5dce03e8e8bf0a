"""Spaces made through the services, for tests that run in the test process (no live hub):
a Gradio Space pushed, staged and reported RUNNING as the run task would, and what the
hub sent to the Spaces workers, read back from the broker's `spaces` queue."""

from datetime import timedelta
from queue import Empty

from django.utils import timezone

from registry.gitstore import Change, GitRepo
from registry.models import Repo, User
from registry.services.commits import commit_create
from registry.services.repos import repo_create
from spaces.models import SpaceRuntime
from spaces.services import space_started
from workers.celery import app
from workers.spaces import QUEUE

APP = 'import gradio as gr\n\ngr.Interface(lambda x: x[::-1], "text", "text").launch()\n'


def push(repo: Repo, user: User, files: dict[str, bytes]) -> None:
    git = GitRepo(repo.storage_id)
    changes = [Change("add", path, git.write_blob(data)) for path, data in files.items()]
    commit_create(user=user, repo=repo, git=git, ref="refs/heads/main", parent_commit=None,
                  changes=changes, message="Update the app\n")  # fmt: skip


def make_space(owner: User, name: str, *, sdk: str = "gradio", private: bool = False) -> Repo:
    """A Space with its app file pushed: a Gradio one is staged BUILDING, a static one runs."""
    repo = repo_create(user=owner, token=None, name=name, organization=None,
                       repo_type="space", private=private, space_sdk=sdk)  # fmt: skip
    app_file = {"gradio": ("app.py", APP.encode()), "static": ("index.html", b"<h1>hi</h1>")}
    push(repo, owner, dict([app_file[sdk]]))
    repo.refresh_from_db()
    return repo


def make_running(owner: User, name: str, *, worker: str = "worker-1", idle: float = 0,
                 sleep_time: int | None = None) -> SpaceRuntime:  # fmt: skip
    """A Gradio Space the run task on `worker` reported RUNNING, last requested `idle`
    seconds ago."""
    repo = make_space(owner, name)
    space_started(repo_pk=repo.pk, sha=repo.head_sha, socket=f"/run/{name}.sock",
                  worker=worker, pid=4242)  # fmt: skip
    SpaceRuntime.objects.filter(pk=repo.pk).update(
        sleep_time=sleep_time, last_request_at=timezone.now() - timedelta(seconds=idle)
    )
    return SpaceRuntime.objects.get(pk=repo.pk)


def stage_of(runtime: SpaceRuntime) -> str:
    runtime.refresh_from_db()
    return runtime.stage


def sent_tasks() -> list[tuple[str, list]]:
    """Takes every message waiting in the broker's `spaces` queue: (task name, args).

    Unit tests run inside a transaction that is rolled back, so the services' sends (made
    on commit) only go out inside `django_capture_on_commit_callbacks(execute=True)`."""
    sent = []
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue(QUEUE)
        while True:
            try:
                message = queue.get(block=False)
            except Empty:
                break
            sent.append((message.headers["task"], message.payload[0]))
            message.ack()
        queue.close()
    return sent
