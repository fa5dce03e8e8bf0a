"""The way from the web to the inference workers and back, with nothing polled on Redis.

A request is an entry in its model's pending list. A worker that answered a batch of a
model keeps serving it while its requests keep coming: it waits on the pending list and
takes what is there, up to `limit` entries (that is the batch), and answers each on the
request's own channel, on which the web process blocks. When no worker is waiting, the
web also queues a Celery task on the `inference` queue to wake one. With Redis
(production) pending lists and answers are Redis lists: workers wait in BLMOVE, the web in
BLPOP. On the embedded default the pending lists are folders of files a serving worker
checks every few milliseconds, every request also queues a task, and the web process
listens on a loopback socket the worker connects to with the answer (the filesystem
broker implies a single machine).

A request may hear several answers, in order: {"loading"} while its model loads, and, for a
stream (chat), {"delta"} messages as tokens are generated, before its final {"output"} or
{"error"}. With Redis they are entries of the answer list; on the embedded default, lines
of one connection per sender (`inference_stream`), so a stream costs one connection.

A claim is kept under the task's id until its batch is answered, so the task Celery sends
again after its worker process died answers the same batch.
"""

import json
import os
import secrets
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import BinaryIO

import redis
from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError

from workers.celery import app

# How long a claim or an answer nobody collected stays in Redis: past any waiter's patience.
_TTL_SECONDS = 4 * settings.HUB_INFERENCE_TIMEOUT + 60
# A request a waiting worker took but has not answered after this long also queues a task.
_WAKE_AFTER_SECONDS = 1.0
# A pending entry pushed and, atomically, the number of workers waiting for that model. A
# list nobody takes from (no worker running) expires with its last entry.
_PUSH = """
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
local now = redis.call('TIME')
return redis.call('ZCOUNT', KEYS[2], now[1] * 1000 + math.floor(now[2] / 1000), '+inf')
"""


class BrokerUnavailable(RuntimeError):
    """The request could not be queued."""


@dataclass(frozen=True)
class Pending:
    """A claimed request: its id, what to run, and where its answers go."""

    id: str
    payload: dict
    reply: str  # the web process's address on the embedded default; empty with Redis


def inference_answer(*, model: str, payload: dict, timeout: float, accept_loading: bool) -> dict:
    """Queues a request for `model` and waits for a worker's answer.

    Returns {"output": ...}, {"error": ...}, or {"loading": ...} when `accept_loading`.
    Waiting for a model to load extends the deadline once by `timeout`. Raises TimeoutError
    or BrokerUnavailable.
    """

    def wake() -> None:
        app.send_task("minihub.inference", args=[model], task_id=inbox.id, queue="inference")

    try:
        # An entry outlives the wait by a margin; a worker skips entries nobody waits for.
        with inference_queued(model=model, payload=payload, expires_in=2 * timeout + 5) as inbox:
            return _wait(inbox, timeout, accept_loading, wake)
    except (OperationalError, redis.ConnectionError) as exc:
        raise BrokerUnavailable(str(exc)) from None


@contextmanager
def inference_queued(
    *, model: str, payload: dict, expires_in: float
) -> Iterator["_RedisInbox | _SocketInbox"]:
    """A request in `model`'s pending list, and the inbox its answers arrive in.

    The inbox's `served` tells whether a worker was waiting for that model's requests.
    """
    with _channel().inbox(str(uuid.uuid4())) as inbox:
        entry = {"id": inbox.id, "reply": inbox.reply, "expires": time.time() + expires_in,
                 "payload": payload}  # fmt: skip
        inbox.served = _channel().push(model, entry)
        yield inbox


def _wait(
    inbox: "_RedisInbox | _SocketInbox",
    timeout: float,
    accept_loading: bool,
    wake: Callable[[], None],
) -> dict:
    # _answers ends only by raising TimeoutError.
    return next(a for a in _answers(inbox, timeout, wake) if "loading" not in a or accept_loading)


def _answers(
    inbox: "_RedisInbox | _SocketInbox", timeout: float, wake: Callable[[], None]
) -> Iterator[dict]:
    """Every answer as it comes; `wake` queues a task at once, or, when a worker was waiting
    for the request, only if no answer came within _WAKE_AFTER_SECONDS (that worker may be
    busy with a long batch, or dead). A {"loading"} answer extends the deadline once by
    `timeout`; each {"delta"} moves it to `timeout` after itself."""
    deadline, extended, woken = time.monotonic() + timeout, False, not inbox.served
    if woken:
        wake()
    while True:
        until = deadline if woken else min(deadline, time.monotonic() + _WAKE_AFTER_SECONDS)
        answer = inbox.receive(until - time.monotonic())
        if answer is None and not woken and time.monotonic() < deadline:
            wake()
            woken = True
            continue
        if answer is None:
            raise TimeoutError(f"no answer within {timeout:.0f}s")
        woken = True  # a worker has the request
        if "loading" in answer and not extended:
            deadline, extended = deadline + timeout, True
        elif "delta" in answer:
            deadline = max(deadline, time.monotonic() + timeout)
        yield answer


def inference_messages(*, model: str, payload: dict, timeout: float) -> Iterator[dict]:
    """Queues a request for `model` and yields what the worker sends for it: {"delta"}
    messages while it streams, then {"output"} or {"error"}, the last. Waits for a loading
    model (the deadline extended once by `timeout`); each message must come within
    `timeout` of the one before. Closing the iterator early tells the worker nobody
    listens any more. Raises TimeoutError or BrokerUnavailable.
    """

    def wake() -> None:
        app.send_task("minihub.inference", args=[model], task_id=inbox.id, queue="inference")

    try:
        with inference_queued(model=model, payload=payload, expires_in=2 * timeout + 5) as inbox:
            finished = False
            try:
                for answer in _answers(inbox, timeout, wake):
                    if "loading" in answer:
                        continue
                    finished = "delta" not in answer
                    yield answer
                    if finished:
                        return
            finally:
                if not finished:
                    inbox.cancel()
    except (OperationalError, redis.ConnectionError) as exc:
        raise BrokerUnavailable(str(exc)) from None


def inference_claim(
    *, claim_id: str, model: str, limit: int, wait: float = 0, gather: float = 0, fill: int = 1
) -> list[Pending]:
    """The batch of claim `claim_id`: kept from an earlier run, else up to `limit` entries
    of `model` taken from its pending list (each entry goes to one claim only), waiting up
    to `wait` seconds for the first one, then up to `gather` seconds more while the batch
    has fewer than `fill`."""
    channel = _channel()
    entries = channel.claimed(claim_id) or channel.take(
        claim_id, model, limit, wait, (gather, min(fill, limit))
    )
    now = time.time()
    return [Pending(e["id"], e["payload"], e["reply"]) for e in entries if e["expires"] > now]


def inference_claimed(*, claim_id: str) -> list[Pending]:
    """What claim `claim_id` holds (for answering a batch that failed), taking nothing new."""
    return [Pending(e["id"], e["payload"], e["reply"]) for e in _channel().claimed(claim_id)]


def inference_publish(*, answers: list[tuple[Pending, dict]]) -> None:
    """Sends each request's answer ({"loading"}, {"output"} or {"error"}) to its waiter."""
    _channel().publish(answers)


@contextmanager
def inference_stream(*, request: Pending) -> Iterator[Callable[[dict], bool]]:
    """`send(answer)` for many answers to one request, arriving in order as sent; it
    returns False once nobody listens (the web process stopped waiting, or its client
    went away), so the sender can stop."""
    with _channel().stream(request) as send:
        yield send


def inference_release(*, claim_id: str) -> None:
    """Forgets a claim once each of its requests has its answer."""
    _channel().release(claim_id)


def widget_examples_enqueue(*, repo_pk: int, fingerprint: str) -> None:
    """Queues the computation of a repo's widget examples (after the current transaction)."""
    transaction.on_commit(
        lambda: app.send_task(
            "minihub.widget_examples", args=[repo_pk, fingerprint], queue="inference"
        )
    )


@cache
def _channel() -> "RedisChannel | LocalChannel":
    if settings.HUB_BROKER_URL == "filesystem://":
        return LocalChannel(settings.HUB_DATA_DIR / "broker" / "inference")
    return RedisChannel(redis.Redis.from_url(settings.HUB_BROKER_URL))


# -- Redis --------------------------------------------------------------------------------


class _RedisInbox:
    reply, served = "", False

    def __init__(self, client: redis.Redis, request_id: str):
        self.client, self.id = client, request_id
        self.key = f"minihub:inference:answer:{request_id}"

    def cancel(self) -> None:
        """Tells a worker streaming answers to this request to stop (see RedisChannel.stream)."""
        self.client.set(f"minihub:inference:cancel:{self.id}", 1, ex=_TTL_SECONDS)

    def receive(self, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        # Blocking calls of at most a second stay under redis-py's socket timeout; Redis
        # reads a timeout that rounds to 0 ms as "block forever".
        while (remaining := deadline - time.monotonic()) >= 0.001:
            found = self.client.blpop([self.key], timeout=round(min(remaining, 1.0), 3))
            if found:
                return json.loads(found[1])
        return None


class RedisChannel:
    """Pending lists, claims and answers as Redis lists (redis-py reconnects after a fork).

    `minihub:inference:waiting:<model>` holds the claims of the workers waiting for that
    model's requests, each until a time past its wait: a worker that died drops out alone.
    """

    def __init__(self, client: redis.Redis):
        self.client = client
        self.push_script = client.register_script(_PUSH)

    @contextmanager
    def inbox(self, request_id: str) -> Iterator[_RedisInbox]:
        # Nothing to clean up: BLPOP empties the list, and answers nobody read (a batch
        # answered twice) expire.
        yield _RedisInbox(self.client, request_id)

    def push(self, model: str, entry: dict) -> bool:
        keys = [f"minihub:inference:pending:{model}", f"minihub:inference:waiting:{model}"]
        return self.push_script(keys=keys, args=[json.dumps(entry), _TTL_SECONDS]) > 0

    def claimed(self, claim_id: str) -> list[dict]:
        found = self.client.lrange(f"minihub:inference:claim:{claim_id}", 0, -1)
        return [json.loads(entry) for entry in found]

    def take(
        self, claim_id: str, model: str, limit: int, wait: float, gather: tuple[float, int]
    ) -> list[dict]:
        pending, claim = f"minihub:inference:pending:{model}", f"minihub:inference:claim:{claim_id}"
        waiting = f"minihub:inference:waiting:{model}"
        seconds, fill = gather
        one_trip = wait > 0 and fill <= 1
        first = []  # what the wait took, when it must be known before the rest is taken
        with self.client.pipeline(transaction=False) as steps:
            if wait > 0:
                now = time.time() * 1000
                steps.zremrangebyscore(waiting, "-inf", now)
                steps.zadd(waiting, {claim_id: now + (wait + 5) * 1000})
                steps.expire(waiting, _TTL_SECONDS)
                steps.blmove(pending, claim, round(wait, 3), "LEFT", "RIGHT")
                if not one_trip:
                    first = [entry for entry in steps.execute()[-1:] if entry is not None]
                    if first:
                        first += self._gather(pending, claim, fill - 1, seconds)
                # Out of the waiting set first, then take what came: a request pushed while
                # this worker still counted as waiting is in the list by now (the push is
                # atomic, and one connection's commands run in order).
                steps.zrem(waiting, claim_id)
            moves = limit - (1 if one_trip else len(first))
            for _ in range(moves):
                steps.lmove(pending, claim, "LEFT", "RIGHT")
            steps.expire(claim, _TTL_SECONDS)
            done = steps.execute()
        if one_trip:
            first = [done[3]]
        taken = first + done[len(done) - 1 - moves : -1]
        return [json.loads(entry) for entry in taken if entry is not None]

    def _gather(self, pending: str, claim: str, count: int, seconds: float) -> list:
        """Up to `count` more entries as they come, for at most `seconds`."""
        more, until = [], time.monotonic() + seconds
        while len(more) < count and (left := until - time.monotonic()) >= 0.001:
            entry = self.client.blmove(pending, claim, round(left, 3), "LEFT", "RIGHT")
            if entry is None:
                break
            more.append(entry)
        return more

    def publish(self, answers: list[tuple[Pending, dict]]) -> None:
        with self.client.pipeline(transaction=False) as send:
            for request, answer in answers:
                key = f"minihub:inference:answer:{request.id}"
                send.rpush(key, json.dumps(answer))
                send.expire(key, _TTL_SECONDS)
            send.execute()

    @contextmanager
    def stream(self, request: Pending) -> Iterator[Callable[[dict], bool]]:
        key, cancel = (f"minihub:inference:{kind}:{request.id}" for kind in ("answer", "cancel"))

        def send(answer: dict) -> bool:
            # One round trip: the answer, and whether the web side stopped listening.
            with self.client.pipeline(transaction=False) as steps:
                steps.rpush(key, json.dumps(answer))
                steps.expire(key, _TTL_SECONDS)
                steps.exists(cancel)
                return not steps.execute()[-1]

        yield send

    def release(self, claim_id: str) -> None:
        self.client.delete(f"minihub:inference:claim:{claim_id}")


# -- embedded default -----------------------------------------------------------------------


class _SocketInbox:
    """A loopback listener of the web process. Each sender connects, writes a secret line,
    then one JSON line per answer, and closes."""

    served = False

    def __init__(self, server: socket.socket, request_id: str):
        self.server, self.id, self.secret = server, request_id, secrets.token_hex(16)
        self.reply = f"{server.getsockname()[1]}:{self.secret}"
        self.sender: socket.socket | None = None  # the connection being read, and its reader
        self.lines: BinaryIO | None = None

    def receive(self, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            if self.lines is None and not self._accept(remaining):
                return None
            self.sender.settimeout(remaining)
            try:
                line = self.lines.readline()
            except TimeoutError:
                return None
            if line.endswith(b"\n"):
                return json.loads(line)
            # That sender is done (or died mid-line): the next answer comes on a new connection.
            self.cancel()
        return None

    def _accept(self, timeout: float) -> bool:
        """Takes the next sender that knows the secret; False when none came in time."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            self.server.settimeout(remaining)
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                return False
            connection.settimeout(max(1.0, remaining))
            lines = connection.makefile("rb")
            try:
                secret = lines.readline().rstrip(b"\n").decode(errors="replace")
            except (TimeoutError, OSError):
                secret = ""
            if secret == self.secret:
                self.sender, self.lines = connection, lines
                return True
            lines.close()
            connection.close()  # a stranger: whoever it was, it did not know the secret
        return False

    def cancel(self) -> None:
        """Closes the connection being read: a worker streaming on it stops at its next send."""
        if self.lines is not None:
            self.lines.close()
            self.sender.close()
        self.sender, self.lines = None, None


class LocalChannel:
    """Pending entries as files, claimed by renaming them into the claim's folder."""

    def __init__(self, root: Path):
        self.root = root

    @contextmanager
    def inbox(self, request_id: str) -> Iterator[_SocketInbox]:
        with socket.create_server(("127.0.0.1", 0), backlog=8) as server:
            inbox = _SocketInbox(server, request_id)
            try:
                yield inbox
            finally:
                inbox.cancel()

    def _pending(self, model: str) -> Path:
        return self.root / "pending" / model.replace("/", "_")

    def push(self, model: str, entry: dict) -> bool:
        folder = self._pending(model)
        folder.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed in: a worker lists whole entries only, oldest first.
        fd, temporary = tempfile.mkstemp(prefix=".incoming-", dir=folder)
        with os.fdopen(fd, "w") as handle:
            json.dump(entry, handle)
        os.replace(temporary, folder / f"{time.time_ns():020d}-{entry['id']}.json")
        return False  # workers do not say they wait here: every request queues a task

    def claimed(self, claim_id: str) -> list[dict]:
        folder = self.root / "claims" / claim_id
        try:
            names = sorted(os.listdir(folder))
        except FileNotFoundError:
            return []
        return [json.loads((folder / name).read_bytes()) for name in names]

    def take(
        self, claim_id: str, model: str, limit: int, wait: float, gather: tuple[float, int]
    ) -> list[dict]:
        deadline = time.monotonic() + wait
        while not (taken := self._take(claim_id, model, limit)) and time.monotonic() < deadline:
            time.sleep(0.002)
        seconds, fill = gather
        until = time.monotonic() + seconds
        while taken and len(taken) < fill and time.monotonic() < until:
            time.sleep(0.002)
            taken += self._take(claim_id, model, limit - len(taken))
        return taken

    def _take(self, claim_id: str, model: str, limit: int) -> list[dict]:
        pending, claim = self._pending(model), self.root / "claims" / claim_id
        try:
            names = sorted(name for name in os.listdir(pending) if not name.startswith("."))
        except FileNotFoundError:
            return []
        if names:
            claim.mkdir(parents=True, exist_ok=True)
        taken = []
        for name in names:
            if len(taken) == limit:
                break
            try:
                os.rename(pending / name, claim / name)  # atomic: one claim wins each entry
            except FileNotFoundError:
                continue
            taken.append(json.loads((claim / name).read_bytes()))
        return taken

    def publish(self, answers: list[tuple[Pending, dict]]) -> None:
        for request, answer in answers:
            with self.stream(request) as send:
                send(answer)  # a web process that stopped waiting (timed out, died) is no one

    @contextmanager
    def stream(self, request: Pending) -> Iterator[Callable[[dict], bool]]:
        port, secret = request.reply.split(":")
        connection: socket.socket | None = None

        def send(answer: dict) -> bool:
            nonlocal connection
            line = json.dumps(answer).encode() + b"\n"
            try:
                if connection is None:
                    connection = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
                    # A token is a few bytes: sent at once, not held back for more (Nagle).
                    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    line = secret.encode() + b"\n" + line
                connection.sendall(line)
            except OSError:
                return False
            return True

        try:
            yield send
        finally:
            if connection is not None:
                connection.close()

    def release(self, claim_id: str) -> None:
        shutil.rmtree(self.root / "claims" / claim_id, ignore_errors=True)
