"""Inference services: the web side queues a request and waits; a worker answers batches.

Batching: every request is a row and a Celery task with the row's id. The first worker to
start any request of a model claims every pending request of that model (up to MAX_BATCH)
and answers them with one call per distinct set of parameters; the tasks of the requests it
drained find their rows claimed and return at once.
"""

import hashlib
import json
import logging
import os
from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from inference.errors import (
    InferenceFailed,
    InferenceTimeout,
    InferenceUnavailable,
    InferenceWorkerLost,
    InvalidInputs,
    ModelLoading,
    error_answer,
    error_from_answer,
)
from inference.models import InferenceRequest, WidgetExample
from inference.tasks import TASKS, Task, prepare, task_for, widget_requests
from registry.blobs import blob_store
from registry.errors import HubError
from registry.gitstore import GitRepo
from registry.models import Repo
from registry.selectors import card_at
from workers import inference as queue

if TYPE_CHECKING:
    from inference.pipelines import ModelRef

log = logging.getLogger(__name__)

# The most requests one worker call answers together. Small on purpose: on CPU the gain per
# request flattens after a few, and small batches let every worker process share a burst
# instead of one process taking it all while the others idle.
MAX_BATCH = 4


def inference_run(
    *,
    repo: Repo,
    revision: str,
    task_name: str | None,
    inputs: Any,
    parameters: dict,
    wait_for_model: bool,
) -> Any:
    """The output of one inference call on `repo` at `revision`, answered by a worker.

    Raises the HubError the worker reports, ModelLoading (503) while the model loads unless
    `wait_for_model`, and InferenceTimeout after HUB_INFERENCE_TIMEOUT seconds.
    """
    git = GitRepo(repo.storage_id)
    sha = git.resolve(revision)
    # The row caches the card at main's head; other commits' cards are read from git.
    card = repo.card_data if sha == repo.head_sha else card_at(git=git, sha=sha)
    pipeline_tag = str(card.get("pipeline_tag") or "")
    task = task_for(pipeline_tag=pipeline_tag, requested=task_name, repo_id=repo.repo_id)
    payload = {**prepare(task, inputs, parameters), "wait_for_model": wait_for_model}
    timeout = settings.HUB_INFERENCE_TIMEOUT
    row = InferenceRequest.objects.create(
        repo=repo, sha=sha, task=task.name, payload=payload,
        expires_at=timezone.now() + timedelta(seconds=2 * timeout),
    )  # fmt: skip
    answer = None
    try:
        answer = queue.inference_answer(
            request_id=str(row.id), timeout=timeout, accept_loading=not wait_for_model
        )
    except TimeoutError:
        raise InferenceTimeout(f"Model {repo.repo_id} did not answer within {timeout}s") from None
    except queue.WorkerLost:
        raise InferenceWorkerLost() from None
    except queue.TaskFailed as exc:
        raise InferenceFailed(f"Inference failed: {exc}") from None
    except queue.BrokerUnavailable as exc:
        raise InferenceUnavailable(f"Inference workers are unreachable: {exc}") from None
    finally:
        if answer is None or "loading" in answer:  # answered rows are the worker's to delete
            InferenceRequest.objects.filter(pk=row.pk).delete()
    if "loading" in answer:
        raise ModelLoading(repo.repo_id, answer["loading"]["estimated_time"])
    if "error" in answer:
        raise error_from_answer(answer)
    return answer["output"]


# -- worker side ------------------------------------------------------------------------------


def inference_batch_run(*, request_id: str, publish: Callable[[str, dict], None]) -> None:
    """Answers request `request_id` and the pending requests for its model, as one batch.

    Each answer goes to `publish(request_id, answer)`: {"loading"} first if the model must
    be loaded (the final answer of requests that did not ask to wait), then {"output"} or
    {"error"}. Running again for the same id (its worker died mid-batch) claims and answers
    that batch again.
    """
    batch = _claim(request_id)
    if not batch:
        return
    first = batch[0]
    task = TASKS[first.task]

    def announce(estimated_time: float) -> None:
        for request in batch:
            publish(str(request.id), {"loading": {"estimated_time": estimated_time}})

    answers = _answers(task, _model_ref(first.repo, first.sha, task), batch, announce)
    for request in batch:
        if request.id in answers:
            publish(str(request.id), answers[request.id])
    # Rows nobody waits for any more (their web process died) go with the batch's own.
    done = Q(pk__in=[request.pk for request in batch]) | Q(expires_at__lt=timezone.now())
    InferenceRequest.objects.filter(done).delete()


def _claim(request_id: str) -> list[InferenceRequest]:
    own = InferenceRequest.objects.filter(pk=request_id).first()
    if own is None or own.claim not in ("", request_id):
        return []  # answered, given up on, or drained into another worker's batch
    mine = Q(claim="") | Q(claim=request_id)
    others = (
        InferenceRequest.objects.filter(mine, repo_id=own.repo_id, sha=own.sha, task=own.task)
        .filter(expires_at__gt=timezone.now())
        .exclude(pk=own.pk)
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    ids = [own.pk, *others[: MAX_BATCH - 1]]
    # The claim re-checks `mine` row by row: of two workers draining at once, each row goes
    # to one (PostgreSQL re-evaluates the condition on a row another update just changed).
    InferenceRequest.objects.filter(mine, pk__in=ids).update(claim=request_id)
    claimed = InferenceRequest.objects.filter(pk__in=ids, claim=request_id)
    return list(claimed.select_related("repo__namespace").order_by("created_at"))


def _model_ref(repo: Repo, sha: str, task: Task) -> "ModelRef":
    from inference.pipelines import ModelRef

    return ModelRef(storage_id=str(repo.storage_id), sha=sha, load=task.load,
                    repo_id=repo.repo_id)  # fmt: skip


def _answers(
    task: Task, ref: "ModelRef", requests: list, announce: Callable[[float], None]
) -> dict:
    """{request id: answer} for requests of one model; a model that fails answers each.

    When the model had to be loaded, requests that did not ask to wait for it are left out:
    their answer was the "loading" one `announce` sent, as on the Hub.
    """
    try:
        from inference import pipelines, runners
    except ImportError as exc:  # a worker installed without the `inference` extra
        missing = InferenceUnavailable(
            f"This hub's inference workers lack {exc.name}: install them with "
            "`pip install -e '.[inference]'`"
        )
        return {request.id: error_answer(missing) for request in requests}
    loaded = []

    def on_load(estimated_time: float) -> None:
        loaded.append(estimated_time)
        announce(estimated_time)

    try:
        model = pipelines.cache().get(ref, on_load=on_load).model
    except HubError as exc:
        return {request.id: error_answer(exc) for request in requests}
    if loaded:
        requests = [r for r in requests if r.payload.get("wait_for_model", True)]
    if not requests:
        return {}
    log.info("pid %d answers %d request(s) for %s@%s (%s)", os.getpid(), len(requests),
             ref.repo_id, ref.sha[:10], task.name)  # fmt: skip
    groups: dict[str, list] = {}
    for request in requests:
        key = json.dumps(request.payload["parameters"], sort_keys=True)
        groups.setdefault(key, []).append(request)
    answers = {}
    for group in groups.values():
        try:
            answers.update(_answer_group(runners, task, model, group))
        except InvalidInputs as exc:
            if len(group) == 1:
                answers[group[0].id] = error_answer(exc)
                continue
            # One bad input fails a whole call: answer each request alone to find it.
            for request in group:
                answers.update(_answers_alone(runners, task, model, request))
    return answers


def _answers_alone(runners: ModuleType, task: Task, model: Any, request: Any) -> dict:
    try:
        return _answer_group(runners, task, model, [request])
    except InvalidInputs as exc:
        return {request.id: error_answer(exc)}


def _answer_group(runners: ModuleType, task: Task, model: Any, requests: list) -> dict:
    items = [item for request in requests for item in request.payload["items"]]
    outputs = runners.run(task.name, model, items, requests[0].payload["parameters"])
    answers, start = {}, 0
    for request in requests:
        count = len(request.payload["items"])
        output = runners.respond(task.name, outputs[start : start + count],
                                 request.payload["single"])  # fmt: skip
        answers[request.id] = {"output": output}
        start += count
    return answers


# -- widget examples --------------------------------------------------------------------------


def widget_refresh_enqueue(repo: Repo) -> None:
    """Schedules the outputs of the card's widget examples at main's head to be computed.

    Cheap when neither the card's examples nor the model's files changed since the last run;
    call it after every change to main.
    """
    requests = []
    if repo.type == Repo.Type.MODEL and repo.head_sha:
        requests = widget_requests(pipeline_tag=repo.pipeline_tag, card=repo.card_data)
    fingerprint = _fingerprint(repo, requests) if requests else ""
    current = list(WidgetExample.objects.filter(repo=repo).values_list("fingerprint", flat=True))
    if len(current) == len(requests) and all(value == fingerprint for value in current):
        return
    rows = [
        WidgetExample(repo=repo, position=number, sha=repo.head_sha, fingerprint=fingerprint,
                      request={"task": repo.pipeline_tag, **request})
        for number, request in enumerate(requests)
    ]  # fmt: skip
    with transaction.atomic():
        WidgetExample.objects.filter(repo=repo).delete()
        WidgetExample.objects.bulk_create(rows)
        if rows:
            queue.widget_examples_enqueue(repo_pk=repo.pk, fingerprint=fingerprint)


def _fingerprint(repo: Repo, requests: list[dict]) -> str:
    """The examples, the task and every model file (by blob id) at main's head; not the docs."""
    entries = GitRepo(repo.storage_id).list_tree(repo.head_sha, recursive=True)
    files = sorted(
        (entry.path, entry.lfs.oid if entry.lfs else entry.oid)
        for entry in entries
        if entry.type == "file"
        and not entry.path.endswith(".md")
        and entry.path != ".gitattributes"
    )
    text = json.dumps([repo.pipeline_tag, requests, files], sort_keys=True)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def widget_examples_compute(*, repo_pk: int, fingerprint: str) -> None:
    """Computes and stores the outputs of a repo's widget examples, unless since replaced."""
    rows = list(
        WidgetExample.objects.filter(repo_id=repo_pk, fingerprint=fingerprint)
        .select_related("repo__namespace")
        .order_by("position")
    )
    if not rows:
        return
    repo, sha, task = rows[0].repo, rows[0].sha, TASKS[rows[0].request["task"]]
    requests = [_ExampleRequest(row, _example_payload(task, repo, sha, row)) for row in rows]
    runnable = [request for request in requests if "error" not in request.payload]
    answers = _answers(task, _model_ref(repo, sha, task), runnable, lambda seconds: None)
    for request in requests:
        answer = request.payload if "error" in request.payload else answers[request.id]
        error = answer.get("error") or {}
        WidgetExample.objects.filter(pk=request.id, fingerprint=fingerprint).update(
            output=answer.get("output"), error_code=error.get("code", ""),
            error_message=error.get("message", ""), computed_at=timezone.now(),
        )  # fmt: skip


class _ExampleRequest:
    """A widget example in the shape the batch code answers (an id and a payload)."""

    def __init__(self, row: WidgetExample, payload: dict):
        self.id, self.payload = row.pk, payload


def _example_payload(task: Task, repo: Repo, sha: str, row: WidgetExample) -> dict:
    request = row.request
    try:
        inputs = request["inputs"]
        if "src" in request:
            inputs = _repo_file(repo, sha, request["src"])
        return prepare(task, inputs, request["parameters"])
    except InvalidInputs as exc:
        return error_answer(exc)


def _repo_file(repo: Repo, sha: str, src: str) -> bytes:
    """An example image: a file in the repo, named by path or by its /resolve/ URL."""
    path = src.split("/resolve/", 1)[1].split("/", 1)[-1] if "/resolve/" in src else src
    git = GitRepo(repo.storage_id)
    entry = git.entry(sha, path.lstrip("/")) if "://" not in path else None
    if entry is None or entry.type != "file":
        raise InvalidInputs(f"The example image {src} is not a file in this repo")
    if entry.lfs is None:
        return git.read_blob(entry.oid)
    with blob_store().open(entry.lfs.oid) as handle:
        return handle.read()
