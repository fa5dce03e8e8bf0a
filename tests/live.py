"""A real `manage.py serve` (gunicorn + Celery worker) on a free port, for contract tests.

Each hub gets a data directory and a database of its own: a SQLite file on the embedded
run, a fresh PostgreSQL database and Redis database number on the production run.
"""

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx2 as httpx
import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
# Redis databases 1-15, each lent to one live hub at a time: hubs that shared one would
# take each other's tasks and rate-limit counters. Shuffled, so two test processes on one
# machine rarely collide; CI runs one suite at a time.
_free_redis_dbs = random.sample(range(1, 16), 15)


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
            self._pg_admin(f'CREATE DATABASE "{self._pg_name}"')
            self.env["HUB_DATABASE_URL"] = f"{base}/{self._pg_name}"
            if not _free_redis_dbs:
                raise RuntimeError("more than 15 live hubs at once: no free Redis database")
            self._redis_db = _free_redis_dbs.pop()
            broker = f"redis://127.0.0.1:6379/{self._redis_db}"
            redis.Redis.from_url(broker).flushdb()
            self.env["HUB_BROKER_URL"] = broker
        else:
            self.env["HUB_DATABASE_URL"] = ""
            self.env["HUB_BROKER_URL"] = ""
        self.env.update(extra_env)
        self.process: subprocess.Popen | None = None
        self.output: list[str] = []

    def _pg_admin(self, statement: str) -> None:
        dsn = os.environ["HUB_DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(statement)

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, check=check, timeout=120,
        )  # fmt: skip

    def start(self) -> "LiveHub":
        self.manage("migrate", "--noinput")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        threading.Thread(target=self._drain, daemon=True).start()
        wait_until(self._healthy, timeout=90, message=f"{self.url}/api/health")
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

    def stop_process(self) -> int:
        """Ctrl-C, as an operator would; returns serve's exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=60)
        return self.process.returncode

    def stop(self) -> int:
        code = self.stop_process() if self.process else 0
        if self._pg_name:
            self._pg_admin(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)')
        if self._redis_db is not None:
            _free_redis_dbs.append(self._redis_db)
            self._redis_db = None
        return code
