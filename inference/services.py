"""Inference services: the web side queues a request and waits; a worker answers batches.

Batching: a request waits in its model's pending list (`workers.inference`), and queues a
Celery task unless a worker already waits for that model. A worker takes the pending
requests of the model, up to MAX_BATCH, answers them with one call per distinct set of
parameters, then keeps waiting for the model's next requests for a while. Tasks that find
nothing left return at once.
"""

import hashlib
import json
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from types import ModuleType
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from inference.chat_format import CHAT
from inference.errors import (
    ChatTemplateMissing,
    InferenceTimeout,
    InferenceUnavailable,
    InvalidInputs,
    ModelLoading,
    UnsupportedTask,
    error_answer,
    error_from_answer,
)
from inference.models import WidgetExample
from inference.selectors import chat_template_present
from inference.tasks import TASKS, Task, prepare, task_for, widget_requests
from registry.errors import HubError
from registry.gitstore import GitRepo
from registry.models import Repo
from registry.repofiles import repo_file_at
from registry.selectors import card_at
from workers import inference as queue

if TYPE_CHECKING:
    from inference.pipelines import ModelRef

log = logging.getLogger(__name__)

# The most requests one model call answers together. On CPU a batch of 8 short texts costs
# about half as much per text as single calls (BERT-base shapes, one thread); past that the
# gain flattens while every request in the batch waits for the longest.
MAX_BATCH = 8
# How long a worker that answered a model waits for that model's next request (a lone
# client's next call comes within milliseconds; other models' tasks wait meanwhile), and for
# how long in all it serves one model before its other queues get a turn.
SERVE_IDLE_SECONDS = 0.25
SERVE_SECONDS = 5.0
# How long a worker serving concurrent clients waits, after a request, for as many as it
# answered last time to join it.
GATHER_SECONDS = 0.02
# The model key's task for chat and completions (OpenAI's API). A worker takes one such
# request at a time, so the other worker processes take the next ones: answers are not
# batched, each streams as it is generated.
CHAT_TASK = "chat"


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
    # The row knows main's head (as model_info answers it): no git lookup for most calls.
    sha = repo.head_sha if revision == "main" and repo.head_sha else git.resolve(revision)
    # The row caches the card at main's head; other commits' cards are read from git.
    card = repo.card_data if sha == repo.head_sha else card_at(git=git, sha=sha)
    pipeline_tag = str(card.get("pipeline_tag") or "")
    task = task_for(pipeline_tag=pipeline_tag, requested=task_name, repo_id=repo.repo_id)
    payload = {**prepare(task, inputs, parameters), "wait_for_model": wait_for_model,
               "repo_id": repo.repo_id}  # fmt: skip
    timeout = settings.HUB_INFERENCE_TIMEOUT
    try:
        answer = queue.inference_answer(
            model=model_key(storage_id=str(repo.storage_id), sha=sha, task_name=task.name),
            payload=payload,
            timeout=timeout, accept_loading=not wait_for_model,
        )  # fmt: skip
    except TimeoutError:
        raise InferenceTimeout(f"Model {repo.repo_id} did not answer within {timeout}s") from None
    except queue.BrokerUnavailable as exc:
        raise InferenceUnavailable(f"Inference workers are unreachable: {exc}") from None
    if "loading" in answer:
        raise ModelLoading(repo.repo_id, answer["loading"]["estimated_time"])
    if "error" in answer:
        raise error_from_answer(answer)
    return answer["output"]


def model_key(*, storage_id: str, sha: str, task_name: str) -> str:
    """What requests must share to be answered by one call: the files and the task."""
    return f"{storage_id}/{sha}/{task_name}"


# -- worker side ------------------------------------------------------------------------------


def inference_batch_run(*, claim_id: str, model: str) -> None:
    """Answers the pending requests for `model` (a key from `model_key`) in batches.

    The first batch is what claim `claim_id` already holds (a run whose worker died before
    answering), else up to MAX_BATCH pending requests. Each request hears {"loading"} first
    if the model must be loaded (the final answer of requests that did not ask to wait),
    then {"output"} or {"error"}. Once it answered some, the worker keeps serving the model
    while its requests come less than SERVE_IDLE_SECONDS apart, for SERVE_SECONDS at most
    (then other tasks get their turn): a warm model's next request skips the Celery queue.
    """
    deadline = time.monotonic() + SERVE_SECONDS
    limit = 1 if model.endswith(f"/{CHAT_TASK}") else MAX_BATCH
    batch = queue.inference_claim(claim_id=claim_id, model=model, limit=limit)
    together, size = 0.0, 1  # when this worker last answered several requests, and how many
    while batch:
        _answer_batch(model, batch)
        queue.inference_release(claim_id=claim_id)
        if time.monotonic() > deadline:
            break
        # Requests answered together mean concurrent clients: the ones just answered send
        # their next requests within milliseconds, and a batch that waits for them runs
        # fuller, which is what saves CPU time. A lone client's requests never wait.
        if len(batch) > 1:
            together, size = time.monotonic(), len(batch)
        fill = size if time.monotonic() - together < 1 else 1
        batch = queue.inference_claim(claim_id=claim_id, model=model, limit=limit,
                                      wait=SERVE_IDLE_SECONDS, gather=GATHER_SECONDS,
                                      fill=fill)  # fmt: skip
    queue.inference_release(claim_id=claim_id)


def inference_batch_fail(*, claim_id: str, error: HubError) -> None:
    """Answers each request of a batch that will not run again with `error`, at once."""
    answer, batch = error_answer(error), queue.inference_claimed(claim_id=claim_id)
    queue.inference_publish(answers=[(request, answer) for request in batch])
    queue.inference_release(claim_id=claim_id)


def _answer_batch(model: str, batch: list[queue.Pending]) -> None:
    storage_id, sha, task_name = model.split("/")
    if task_name == CHAT_TASK:
        for request in batch:
            ref = _model_ref(storage_id, sha, TASKS["text-generation"], request.payload["repo_id"])
            _answer_chat(ref, request)
        return
    task = TASKS[task_name]

    def announce(estimated_time: float) -> None:
        loading = {"loading": {"estimated_time": estimated_time}}
        queue.inference_publish(answers=[(request, loading) for request in batch])

    ref = _model_ref(storage_id, sha, task, batch[0].payload["repo_id"])
    answers = _answers(task, ref, batch, announce)
    queue.inference_publish(answers=[(r, answers[r.id]) for r in batch if r.id in answers])


def _model_ref(storage_id: str, sha: str, task: Task, repo_id: str) -> "ModelRef":
    from inference.pipelines import ModelRef

    return ModelRef(storage_id=storage_id, sha=sha, load=task.load, repo_id=repo_id)


def _answers(
    task: Task, ref: "ModelRef", requests: list, announce: Callable[[float], None]
) -> dict:
    """{request id: answer} for requests of one model; a model that fails answers each.

    When the model had to be loaded, requests that did not ask to wait for it are left out:
    their answer was the "loading" one `announce` sent, as on the Hub.
    """
    try:
        from inference import pipelines, runners
    except ImportError as exc:
        return {request.id: error_answer(_extra_missing(exc)) for request in requests}
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


def _extra_missing(exc: ImportError) -> HubError:
    """What a worker installed without the `inference` extra answers."""
    return InferenceUnavailable(
        f"This hub's inference workers lack {exc.name}: install them with "
        "`pip install -e '.[inference]'`"
    )


# -- chat and completions (OpenAI's API) ------------------------------------------------------


def chat_run(*, repo: Repo, payload: dict) -> Iterator[dict]:
    """What a worker answers to one chat or completion request (`inference.chat_format`'s
    payload) on `repo` at main's head: {"delta": {"at", "text"}} as text is generated, then
    {"output": {"text", "finish_reason", "usage"}}.

    Raises, on the first step for a request that cannot run, then while streaming: the
    HubError the worker reports, InferenceTimeout when it goes quiet for
    HUB_INFERENCE_TIMEOUT seconds. The model is waited for while it loads.
    """
    if repo.pipeline_tag != "text-generation" or not repo.head_sha:
        raise UnsupportedTask(
            f"Model {repo.repo_id} is not a text-generation model (pipeline_tag "
            f"{repo.pipeline_tag or 'unset'}): chat and completions need one"
        )
    if payload["kind"] == CHAT and not chat_template_present(repo=repo, sha=repo.head_sha):
        raise ChatTemplateMissing(
            f"Model {repo.repo_id} has no chat template (chat_template.jinja, or `chat_template` "
            "in tokenizer_config.json): use /v1/completions, or add one to the model"
        )
    # A seed of the hub's choosing when none is given: a batch run again after its worker
    # died then generates the same text, and the web side skips what it already sent.
    seed = payload["seed"] if payload["seed"] is not None else secrets.randbelow(2**32)
    payload = {**payload, "seed": seed, "repo_id": repo.repo_id, "wait_for_model": True}
    key = model_key(storage_id=str(repo.storage_id), sha=repo.head_sha, task_name=CHAT_TASK)
    timeout = settings.HUB_INFERENCE_TIMEOUT
    try:
        with closing(
            queue.inference_messages(model=key, payload=payload, timeout=timeout)
        ) as found:
            for message in found:
                if "error" in message:
                    raise error_from_answer(message)
                yield message
    except TimeoutError:
        raise InferenceTimeout(f"Model {repo.repo_id} did not answer within {timeout}s") from None
    except queue.BrokerUnavailable as exc:
        raise InferenceUnavailable(f"Inference workers are unreachable: {exc}") from None


def _answer_chat(ref: "ModelRef", request: queue.Pending) -> None:
    """Generates one chat or completion answer, streaming its text as it comes, on one
    channel: the request hears {"loading"}, the deltas and the end in order. Answers not
    streamed to the client are streamed to the web too: each token shows the worker is
    alive, so a long answer never looks like a worker gone quiet."""
    with queue.inference_stream(request=request) as send:
        try:
            from inference import generation, pipelines
        except ImportError as exc:
            send(error_answer(_extra_missing(exc)))
            return

        def announce(estimated_time: float) -> None:
            send({"loading": {"estimated_time": estimated_time}})

        gone = []

        def delta(at: int, text: str) -> bool:
            if not send({"delta": {"at": at, "text": text}}):
                gone.append(at)
            return not gone

        try:
            pipe = pipelines.cache().get(ref, on_load=announce).model
            output = generation.generate(pipe, request.payload, delta)
        except HubError as exc:
            send(error_answer(exc))
            return
        if gone:
            log.info("pid %d stopped generating for %s@%s after %d tokens: nobody listens",
                     os.getpid(), ref.repo_id, ref.sha[:10],
                     output["usage"]["completion_tokens"])  # fmt: skip
            return
        send({"output": output})


# -- widget examples --------------------------------------------------------------------------


def repo_main_moved_listener(*, repo: Repo, **kwargs) -> None:
    widget_refresh_enqueue(repo)


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
    ref = _model_ref(str(repo.storage_id), sha, task, repo.repo_id)
    answers = _answers(task, ref, runnable, lambda seconds: None)
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
    if "://" in path:
        raise InvalidInputs(f"The example image {src} is not a file in this repo")
    git = GitRepo(repo.storage_id)
    try:
        file = repo_file_at(repo=repo, git=git, sha=sha, path=path.lstrip("/"))
    except HubError:
        raise InvalidInputs(f"The example image {src} is not a file in this repo") from None
    return file.read(limit=settings.HUB_INFERENCE_MAX_INPUT_BYTES)
