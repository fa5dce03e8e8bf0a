"""A real `manage.py serve` (gunicorn + Celery worker) on a free port, for contract tests.

Each hub gets a data directory and a database of its own: a SQLite file on the embedded
run, a fresh PostgreSQL database and Redis database number on the production run.
"""

import atexit
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from contextlib import closing
from pathlib import Path

import httpx2 as httpx
import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
# Redis databases 1-15, each lent to one live hub at a time, across every test process on
# the machine (the benchmarks' smoke runs start hubs of their own): hubs that shared one
# would take each other's tasks and rate-limit counters. A loan is a key in database 0.
_REDIS_LOAN = "minihub-tests:redis-db:{}"
_REDIS_LOAN_SECONDS = 3600
# Users alice and charlie, each with a write token, printed as {name: token}.
_ACCOUNTS = """
import json
from registry.services.accounts import user_create
from registry.services.tokens import token_create
out = {}
for name in ("alice", "charlie"):
    user = user_create(name=name, password="pw-" + name + "-12345")
    out[name] = token_create(user=user, name="write", role="write")[1]
print(json.dumps(out))
"""
# Hubs being stopped in the background (LiveHub.close); joined when the test process ends.
_closing: list[threading.Thread] = []
# One migrated database per test process, cloned for every hub: a copy takes milliseconds
# where `manage.py migrate` takes seconds.
_template_lock = threading.Lock()
_templates: dict[str, str] = {}


def production_backends() -> bool:
    return os.environ.get("HUB_DATABASE_URL", "").startswith("postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, *, timeout: float, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        threading.Event().wait(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {message}")


class LiveHub:
    def __init__(self, data_dir: Path, **extra_env: str):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "HUB_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
        self.env.pop("HUB_PUBLIC_URL", None)
        self._pg_name = None
        self._redis_db = None
        if production_backends():
            base = os.environ["HUB_DATABASE_URL"].rsplit("/", 1)[0]
            self._pg_name = f"minihub_live_{uuid.uuid4().hex[:10]}"
            self.env["HUB_DATABASE_URL"] = f"{base}/{self._pg_name}"
            self._redis_db = _borrow_redis_db()
            broker = f"redis://127.0.0.1:6379/{self._redis_db}"
            redis.Redis.from_url(broker).flushdb()
            self.env["HUB_BROKER_URL"] = broker
        else:
            self.env["HUB_DATABASE_URL"] = ""
            self.env["HUB_BROKER_URL"] = ""
        self.env.update(extra_env)
        self.process: subprocess.Popen | None = None
        self.output: list[str] = []
        self._migrated = self._clone_template()

    def _clone_template(self) -> bool:
        """Gives the hub a migrated, empty database; False when it must migrate itself."""
        if self._pg_name:
            if self.env["HUB_DATABASE_URL"].rsplit("/", 1)[1] != self._pg_name:
                self._pg_admin(f'CREATE DATABASE "{self._pg_name}"')
                return False
            template = _template("postgres", self._pg_admin)
            self._pg_admin(f'CREATE DATABASE "{self._pg_name}" TEMPLATE "{template}"')
            return True
        target = self.data_dir / "hub.sqlite3"
        if self.env["HUB_DATABASE_URL"] or target.exists():
            return False
        self.data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_template("sqlite", self._pg_admin), target)
        return True

    def _pg_admin(self, statement: str) -> None:
        dsn = os.environ["HUB_DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(statement)

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, check=check, timeout=240,
        )  # fmt: skip

    def start(self) -> "LiveHub":
        if not self._migrated:
            self.manage("migrate", "--noinput")
            self._migrated = True
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        threading.Thread(target=self._drain, daemon=True).start()
        # Generous: a hub starts six Python processes, and CI runs two suites side by side.
        wait_until(self._healthy, timeout=180, message=f"{self.url}/api/health")
        return self

    def add_accounts(self) -> "LiveHub":
        """Creates users alice and charlie; `self.tokens[name]` is a write token of each."""
        printed = self.manage("shell", "-c", _ACCOUNTS).stdout.strip().splitlines()[-1]
        self.tokens = json.loads(printed)
        return self

    def _drain(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError("serve exited early:\n" + "".join(self.output))
        try:
            return httpx.get(f"{self.url}/api/health", timeout=15).status_code == 200
        except httpx.HTTPError:
            return False

    def log_mark(self) -> int:
        """Where the hub's output stands once every request answered so far is logged: a
        request's line is written before its answer, so once this call's own line is read
        back, every earlier one has been too (both web workers write to the same pipe)."""
        marker = f"/api/log-mark-{uuid.uuid4().hex}"
        httpx.get(f"{self.url}{marker}", timeout=30)

        def found() -> int | None:
            for index in range(len(self.output) - 1, -1, -1):
                if marker in self.output[index]:
                    return index + 1
            return None

        return wait_until(found, timeout=30, interval=0.05, message="the hub's log")

    def stop_process(self) -> int:
        """Ctrl-C, as an operator would; returns serve's exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=60)
        return self.process.returncode

    def stop(self) -> int:
        """Stops the hub and frees its database; returns serve's exit code."""
        code = self.stop_process() if self.process else 0
        if self._pg_name:
            self._pg_admin(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)')
            self._pg_name = None
        if self._redis_db is not None:
            _redis_admin().delete(_REDIS_LOAN.format(self._redis_db))
            self._redis_db = None
        return code

    def close(self) -> None:
        """stop() in the background: a fixture's teardown need not wait the seconds a warm
        Celery shutdown takes. Tests that check the exit use stop()."""
        thread = threading.Thread(target=self.stop, daemon=True)
        thread.start()
        _closing.append(thread)


def _redis_admin() -> redis.Redis:
    return redis.Redis.from_url(os.environ["HUB_BROKER_URL"].rsplit("/", 1)[0] + "/0")


def _borrow_redis_db() -> int:
    """A Redis database number no other live hub on this machine holds."""
    admin = _redis_admin()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for number in random.sample(range(1, 16), 15):
            loan = _REDIS_LOAN.format(number)
            if admin.set(loan, os.getpid(), nx=True, ex=_REDIS_LOAN_SECONDS):
                return number
            holder = admin.get(loan)
            if holder and not _alive(int(holder)):  # a test process that died holding it
                admin.delete(loan)
        time.sleep(0.2)
    raise RuntimeError("more than 15 live hubs at once: no free Redis database")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # no signal sent: only whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's
        pass
    return True


def _template(kind: str, pg_admin) -> str:
    """The migrated template of this test process: a SQLite file or a PostgreSQL database."""
    with _template_lock:
        if kind in _templates:
            return _templates[kind]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if kind == "postgres":
            name = f"minihub_template_{uuid.uuid4().hex[:10]}"
            pg_admin(f'CREATE DATABASE "{name}"')
            env["HUB_DATABASE_URL"] = os.environ["HUB_DATABASE_URL"].rsplit("/", 1)[0] + "/" + name
            atexit.register(pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            result = name
        else:
            folder = Path(os.environ.get("HUB_DATA_DIR", ROOT / ".test-data")) / "templates"
            folder = folder / f"{os.getpid()}-{uuid.uuid4().hex[:6]}"
            folder.mkdir(parents=True)
            env["HUB_DATA_DIR"] = str(folder)
            env["HUB_DATABASE_URL"] = ""
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            result = str(folder / "hub.sqlite3")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
        if kind == "sqlite":  # fold the write-ahead log in: the copy is one file
            with closing(sqlite3.connect(result)) as db:
                db.execute("PRAGMA journal_mode=DELETE")
        _templates[kind] = result
        return result


@atexit.register
def _join_closing() -> None:
    for thread in _closing:
        thread.join(timeout=60)
