"""Scale-out under load and faults: two gunicorn web processes and two Celery workers on one
PostgreSQL database, one Redis and one S3 store, all started here. Clients upload, commit to
the same branches, download and list at once; one web process and one worker are killed
mid-run. Afterwards nothing accepted is missing and every byte read back was right.

PostgreSQL is the machine's server (a database of our own); Redis and the S3 store are
processes of this test, whatever backends the rest of the run uses.
"""

import hashlib
import itertools
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx
import psycopg
import pytest
import redis
from celery import Celery
from huggingface_hub import CommitOperationAdd, HfApi, hf_hub_download, set_client_factory
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils._http import default_client_factory, hf_request_event_hook

from tests.live import ROOT, free_port, wait_until
from tests.production.conftest import BIN

pytestmark = pytest.mark.live

LOAD_SECONDS = 30
KILL_WEB_AT = 8
KILL_WORKER_BETWEEN = (11, 24)
CLIENTS = 8
BRANCHES = [(repo, branch) for repo in ("scale-0", "scale-1") for branch in ("main", "dev")]
# What a client may see when the process serving it dies; it then tries again.
CLIENT_ERRORS = (httpx.TransportError, HfHubHTTPError)


def _transient(exc: Exception) -> bool:
    if isinstance(exc, HfHubHTTPError):
        return exc.response is not None and exc.response.status_code >= 500
    return True


_ACCOUNT = """
from registry.services.accounts import user_create
from registry.services.tokens import token_create
print(token_create(user=user_create(name="alice", password="pw-alice-12345"),
                   name="scale", role="write")[1])
"""


class Process:
    """A child in its own process group, its output kept."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]):
        self.name = name
        self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True,
                                      start_new_session=True)  # fmt: skip
        self.output: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.popen.stdout:
            self.output.append(line)

    def kill(self) -> None:
        """SIGKILL to the whole group, as when a machine or container dies."""
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self) -> None:
        if self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


class Failover(httpx.HTTPTransport):
    """The clients' load balancer: a request to the hub goes to the first web process that
    takes the connection; a refused port is skipped from then on. A request that fails
    after it was sent is not resent here (its outcome is unknown): it is counted."""

    def __init__(self, ports: list[int]):
        super().__init__(retries=0)
        self.ports, self.dead = ports, set()
        self.served: Counter = Counter()
        self.broken = 0
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.port not in self.ports:
            return super().handle_request(request)
        for port in [p for p in self.ports if p not in self.dead]:
            request.url = request.url.copy_with(port=port)
            request.headers["Host"] = f"127.0.0.1:{port}"
            try:
                response = super().handle_request(request)
            except httpx.ConnectError:
                with self.lock:
                    self.dead.add(port)
                continue
            except httpx.TransportError:
                with self.lock:
                    self.broken += 1
                raise
            with self.lock:
                self.served[port] += 1
            return response
        raise httpx.ConnectError("no web process takes connections")


@dataclass
class Ledger:
    """What the clients were told, and what they saw."""

    commits: list[tuple[str, str, str]] = field(default_factory=list)  # repo, branch, oid
    # repo, branch, path, sha256, git blob id
    files: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    downloads: int = 0
    bad_downloads: list[str] = field(default_factory=list)
    stale_listings: list[str] = field(default_factory=list)
    operations: Counter = field(default_factory=Counter)
    retries: int = 0
    failed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture(scope="module")
def cluster(s3, tmp_path_factory):
    base = tmp_path_factory.mktemp("scale")
    redis_port = free_port()
    redis_args = ["--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                  "no"]  # fmt: skip
    services = [Process("redis", ["redis-server", *redis_args], dict(os.environ))]
    broker = f"redis://127.0.0.1:{redis_port}/0"
    wait_until(lambda: _pings(broker), timeout=30, message="redis-server")
    admin_dsn, database = _postgres()
    env = {
        **os.environ,
        **s3.bucket_env(),
        "HUB_DATA_DIR": str(base / "data"),
        "HUB_DATABASE_URL": f"{admin_dsn.rsplit('/', 1)[0]}/{database}",
        "HUB_BROKER_URL": broker,
        "HUB_SECRET_KEY": secrets.token_urlsafe(50),
        "HUB_BROKER_VISIBILITY_TIMEOUT": "8",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("HUB_PUBLIC_URL", None)
    try:
        _manage(env, "migrate", "--noinput")
        token = _manage(env, "shell", "-c", _ACCOUNT).strip().splitlines()[-1]
        ports = [free_port(), free_port()]
        webs = [Process(f"web-{n}", _gunicorn(port), env) for n, port in enumerate(ports)]
        workers = [Process(f"worker-{n}", _celery(n), env) for n in range(2)]
        services += webs + workers
        for port in ports:
            wait_until(lambda p=port: _healthy(p), timeout=90, message=f"web on port {port}")
        control = Celery(broker=broker, backend=broker)
        hosts = [f"scale-w{n}@{socket.gethostname()}" for n in range(2)]
        wait_until(lambda: len(control.control.ping(destination=hosts, timeout=1)) == 2,
                   timeout=60, message="both workers")  # fmt: skip
        yield {
            "env": env,
            "ports": ports,
            "webs": webs,
            "workers": dict(zip(hosts, workers, strict=True)),
            "control": control,
            "token": token,
        }
    finally:
        for process in reversed(services):
            process.stop()
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _postgres() -> tuple[str, str]:
    """A new database on the machine's PostgreSQL (the run's server when it uses one)."""
    url = os.environ.get("HUB_DATABASE_URL", "")
    server = (
        url.rsplit("/", 1)[0]
        if url.startswith("postgres")
        else "postgres://postgres@127.0.0.1:5432"
    )
    admin_dsn, database = f"{server}/postgres", f"minihub_scale_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    return admin_dsn, database


def _pings(url: str) -> bool:
    try:
        return redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        return False


def _manage(env: dict, *args: str) -> str:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=180).stdout  # fmt: skip


def _gunicorn(port: int) -> list[str]:
    return [str(BIN / "gunicorn"), "hubsite.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", "1", "--threads", "8", "--worker-class", "gthread",
            "--timeout", "600"]  # fmt: skip


def _celery(number: int) -> list[str]:
    return [str(BIN / "celery"), "-A", "workers", "worker", "--queues", "default,inference,eval",
            "--concurrency", "2", "--hostname", f"scale-w{number}@%h", "--loglevel", "INFO",
            "--without-mingle"]  # fmt: skip


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=15).status_code == 200
    except httpx.HTTPError:
        return False


# -- the clients ---------------------------------------------------------------------------


class Client(threading.Thread):
    def __init__(self, number: int, api: HfApi, ledger: Ledger, stop: threading.Event,
                 cache: Path, *, sizes: tuple[int, int], mix: tuple[str, ...]):  # fmt: skip
        super().__init__(daemon=True)
        self.number, self.api, self.ledger, self.stop = number, api, ledger, stop
        self.cache, self.sizes, self.mix = cache, sizes, mix
        self.random = random.Random(number)
        self.count = itertools.count()
        self.finished = False

    def run(self) -> None:
        while not self.stop.is_set():
            kind = self.random.choice(self.mix)
            try:
                self._attempt(kind, getattr(self, kind))
            except CLIENT_ERRORS as exc:  # a 4xx, or still failing on the survivors
                with self.ledger.lock:
                    self.ledger.failed.append(f"{kind}: {exc}")
        self.finished = True

    def _attempt(self, kind: str, operation) -> None:
        """Runs `operation`, again on a network error (the same file: a retry after the
        first attempt landed changes nothing)."""
        prepared = operation()
        for attempt in range(3):
            try:
                prepared()
                break
            except CLIENT_ERRORS as exc:
                if attempt == 2 or not _transient(exc):
                    raise
                with self.ledger.lock:
                    self.ledger.retries += 1
        with self.ledger.lock:
            self.ledger.operations[kind] += 1

    def _pick(self) -> tuple[str, str]:
        repo, branch = self.random.choice(BRANCHES)
        return f"alice/{repo}", branch

    def upload(self):
        repo, branch = self._pick()
        data = os.urandom(self.random.randint(*self.sizes))
        path = f"scale/lfs-{self.number}-{next(self.count)}.bin"

        def run() -> None:
            info = self.api.upload_file(
                path_or_fileobj=data,
                path_in_repo=path,
                repo_id=repo,
                revision=branch,
                commit_message=f"scale: {path}",
            )
            self._accepted(repo, branch, info.oid, path, data)

        return run

    def commit(self):
        repo, branch = self._pick()
        data = f"client {self.number} was here\n".encode() * self.random.randint(1, 50)
        path = f"scale/text-{self.number}-{next(self.count)}.txt"

        def run() -> None:
            info = self.api.create_commit(
                repo, [CommitOperationAdd(path, data)], commit_message=f"scale: {path}",
                revision=branch,
            )  # fmt: skip
            self._accepted(repo, branch, info.oid, path, data)

        return run

    def download(self):
        with self.ledger.lock:
            choice = self.random.choice(self.ledger.files) if self.ledger.files else None

        def run() -> None:
            if choice is None:
                return
            repo, branch, path, digest, _ = choice
            local = hf_hub_download(repo, path, revision=branch, endpoint=self.api.endpoint,
                                    token=self.api.token, cache_dir=self.cache)  # fmt: skip
            actual = hashlib.sha256(Path(local).read_bytes()).hexdigest()
            with self.ledger.lock:
                self.ledger.downloads += 1
                if actual != digest:
                    self.ledger.bad_downloads.append(f"{repo}/{path}")

        return run

    def listing(self):
        repo, branch = self._pick()
        with self.ledger.lock:
            expected = {f[2] for f in self.ledger.files if f[:2] == (repo, branch)}

        def run() -> None:
            listed = set(self.api.list_repo_files(repo, revision=branch))
            if expected - listed:  # read-your-writes across web processes
                with self.ledger.lock:
                    self.ledger.stale_listings.append(f"{repo}@{branch}: {expected - listed}")

        return run

    def _accepted(self, repo: str, branch: str, oid: str, path: str, data: bytes) -> None:
        blob_id = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        with self.ledger.lock:
            self.ledger.commits.append((repo, branch, oid))
            self.ledger.files.append(
                (repo, branch, path, hashlib.sha256(data).hexdigest(), blob_id)
            )


# -- the run ---------------------------------------------------------------------------------


def test_nothing_accepted_is_lost_when_a_web_process_and_a_worker_die(cluster, tmp_path):
    failover = Failover(cluster["ports"])
    hooks = {"request": [hf_request_event_hook]}
    set_client_factory(
        lambda: httpx.Client(transport=failover, follow_redirects=True, timeout=120,
                             event_hooks=hooks)
    )  # fmt: skip
    try:
        api = HfApi(endpoint=f"http://127.0.0.1:{cluster['ports'][0]}", token=cluster["token"])
        for repo in {repo for repo, _ in BRANCHES}:
            api.create_repo(repo)
            api.create_branch(f"alice/{repo}", branch="dev")
        ledger, stop = Ledger(), threading.Event()
        mix = ("upload", "upload", "commit", "commit", "download", "download", "listing")
        clients = [Client(n, api, ledger, stop, tmp_path / f"cache-{n}", sizes=(16_000, 400_000),
                          mix=mix) for n in range(CLIENTS)]  # fmt: skip
        # One client uploads larger objects, so workers are often busy verifying one.
        clients.append(Client(CLIENTS, api, ledger, stop, tmp_path / "cache-big",
                              sizes=(12_000_000, 16_000_000), mix=("upload",)))  # fmt: skip
        started = time.monotonic()
        for client in clients:
            client.start()
        stop.wait(KILL_WEB_AT)
        cluster["webs"][0].kill()
        survivor_before = failover.served[cluster["ports"][1]]
        killed = _kill_a_worker_mid_verification(cluster, started, stop)
        stop.wait(max(0.0, started + LOAD_SECONDS - time.monotonic()))
        stop.set()
        for client in clients:
            client.join(timeout=180)
        assert all(client.finished for client in clients)
        assert failover.served[cluster["ports"][1]] > survivor_before
        _check(cluster, api, ledger, failover, killed)
    finally:
        set_client_factory(default_client_factory)


def _kill_a_worker_mid_verification(cluster, started: float, stop: threading.Event) -> dict:
    """SIGKILLs a worker while it holds an upload's verification (an lfs_adopt task).

    Verifying takes milliseconds, so killing first and looking after would race it: a
    worker whose log shows such a task received and not finished is frozen (SIGSTOP to its
    process group), its log read to the end, and killed only if the task is still unfinished;
    otherwise it runs on and the workers are watched again.
    """
    stop.wait(max(0.0, started + KILL_WORKER_BETWEEN[0] - time.monotonic()))
    deadline = time.monotonic() + KILL_WORKER_BETWEEN[1] - KILL_WORKER_BETWEEN[0]
    while time.monotonic() < deadline:
        for host, worker in cluster["workers"].items():
            if not _unfinished_adopts(worker):
                continue
            os.killpg(worker.popen.pid, signal.SIGSTOP)
            time.sleep(0.3)  # the drain thread reads what the worker logged before it froze
            held = _unfinished_adopts(worker)
            if held:
                worker.kill()
                return {"host": host, "tasks": held}
            os.killpg(worker.popen.pid, signal.SIGCONT)
        time.sleep(0.005)
    raise TimeoutError("no worker was seen verifying an upload")


def _unfinished_adopts(worker: Process) -> list[str]:
    """lfs_adopt tasks the worker's log shows received and not yet ended."""
    log = "".join(worker.output)
    received = re.findall(r"Task minihub\.lfs_adopt\[([^]]+)\] received", log)
    ended = set(re.findall(r"\[([^]]+)\] (?:succeeded|raised|retry|failed)", log))
    return [task for task in received if task not in ended]


def _check(cluster, api: HfApi, ledger: Ledger, failover: Failover, killed: dict) -> None:
    ops = ledger.operations
    summary = f"{dict(ops)}, retries {ledger.retries}, served {dict(failover.served)}"
    assert ledger.failed == [], summary
    assert ops["upload"] >= 10 and ops["commit"] >= 10 and ledger.downloads >= 10, summary
    assert ledger.bad_downloads == [] and ledger.stale_listings == []
    # The surviving web process took over; the killed worker's task ran again elsewhere.
    assert failover.dead == {cluster["ports"][0]}
    dead = cluster["workers"][killed["host"]]
    survivor = next(p for host, p in cluster["workers"].items() if host != killed["host"])
    in_flight = [t for t in killed["tasks"] if not _succeeded(dead, t)]
    assert in_flight, f"{killed['tasks']} finished before the kill"
    for task in in_flight:
        wait_until(lambda t=task: _succeeded(survivor, t), timeout=30,
                   message=f"task {task} to run again on the other worker")  # fmt: skip
    for repo, branch in {(r, b) for r, b, _ in ledger.commits}:
        history = api.list_repo_commits(repo, revision=branch)
        ids = {commit.commit_id for commit in history}
        accepted = {oid for r, b, oid in ledger.commits if (r, b) == (repo, branch)}
        assert accepted <= ids, f"{repo}@{branch} lost {accepted - ids}"
        made = [c for c in history if c.title.startswith("scale: ")]
        ops_here = sum(1 for f in ledger.files if f[:2] == (repo, branch))
        # One commit per accepted operation; a commit resent after its answer was lost
        # (a killed process) may add one more.
        assert ops_here <= len(made) <= ops_here + failover.broken, (repo, branch)
        _check_files(api, ledger, repo, branch)
    fsck = subprocess.run([sys.executable, "manage.py", "fsck"], cwd=ROOT, env=cluster["env"],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    print(
        f"\nscale-out run: {summary}, downloads {ledger.downloads}, "
        f"broken requests {failover.broken}, worker killed mid-task {killed}"
    )


def _succeeded(worker: Process, task_id: str) -> bool:
    return any(f"[{task_id}] succeeded" in line for line in worker.output)


def _check_files(api: HfApi, ledger: Ledger, repo: str, branch: str) -> None:
    """Every accepted file is at the branch head with the content the client sent."""
    entries = {e.path: e for e in api.list_repo_tree(repo, revision=branch, path_in_repo="scale")}
    mine = [f for f in ledger.files if f[:2] == (repo, branch)]
    for _, _, path, digest, blob_id in mine:
        entry = entries[path]
        assert (entry.lfs.sha256 if entry.lfs is not None else entry.blob_id) in (digest, blob_id)
    accepted = {f[2] for f in mine}
    assert set(entries) == accepted, f"{repo}@{branch}: unexpected {set(entries) - accepted}"
