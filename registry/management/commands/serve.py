import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from registry.services.accounts import admin_bootstrap
from registry.services.fsck import leftovers_clear

_STOP_GRACE_SECONDS = 20


class Command(BaseCommand):
    help = "Serve the hub: gunicorn for the web and a Celery worker, in the foreground."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HUB_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args, host: str, port: int, **options) -> None:
        self._require_migrated()
        # Other web processes may be serving from the same storage: this clears only what
        # no live process can be using.
        for leftover in leftovers_clear():
            self.stdout.write(f"Removed a stale {leftover.kind}: {leftover.path}")
        created = admin_bootstrap()
        children = [
            subprocess.Popen(self._web_command(host, port), start_new_session=True),
            # The dataset viewer's conversions have a queue of their own; on one machine this
            # worker takes them too (a conversion holds one of its processes, the others go
            # on), and the compose file gives them a worker of their own.
            subprocess.Popen(
                self._worker_command(
                    "minihub",
                    "default,inference,eval,viewer",
                    settings.HUB_WORKER_CONCURRENCY,
                    "prefork",
                ),
                start_new_session=True,
            ),
            # Spaces' apps and jobs' sandboxes are children of the worker thread that starts
            # them and live as long as it does: a threads pool, one process owning every app
            # or job, never a prefork child recycled under it.
            subprocess.Popen(
                self._worker_command(
                    "minihub-spaces", "spaces", settings.HUB_SPACES_WORKER_THREADS, "threads"
                ),
                start_new_session=True,
            ),
            subprocess.Popen(
                self._worker_command(
                    "minihub-jobs", "jobs", settings.HUB_JOBS_CONCURRENCY, "threads"
                ),
                start_new_session=True,
                env=self._jobs_env(host, port),
            ),
        ]
        public = settings.HUB_PUBLIC_URL or f"http://{host}:{port}"
        self.stdout.write(f"Minihub is serving on {public} (data in {settings.HUB_DATA_DIR})")
        if created:
            password, token = created
            self.stdout.write(
                "First start: created user 'admin'. Shown once, keep them safe:\n"
                f"  password: {password}\n  token:    {token}\n"
                f"  HF_ENDPOINT={public} HF_TOKEN={token}"
            )
        self.stdout.flush()
        sys.exit(self._supervise(children))

    @staticmethod
    def _require_migrated() -> None:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database has unapplied migrations: run `manage.py migrate`.")

    @staticmethod
    def _web_command(host: str, port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "hubsite.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(settings.HUB_WEB_WORKERS),
            "--threads",
            str(settings.HUB_WEB_THREADS),
            "--worker-class",
            "gthread",
            "--timeout",
            "600",
            "--graceful-timeout",
            "10",
            # No gunicorn access log: RequestLogMiddleware logs each request (JSON or text).
        ]

    @staticmethod
    def _worker_command(name: str, queues: str, concurrency: int, pool: str) -> list[str]:
        """A Celery worker for `queues`: one per hub, so no peers to sync or gossip with."""
        return [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers",
            "worker",
            "--queues",
            queues,
            "--pool",
            pool,
            "--concurrency",
            str(concurrency),
            "--hostname",
            f"{name}-{os.getpid()}@%h",
            "--loglevel",
            "INFO",
            "--without-mingle",
            "--without-gossip",
        ]

    @staticmethod
    def _jobs_env(host: str, port: int) -> dict[str, str]:
        """A job's relay connects to this web server unless HUB_INTERNAL_URL says otherwise."""
        if os.environ.get("HUB_INTERNAL_URL"):
            return dict(os.environ)
        local = "127.0.0.1" if host in {"0.0.0.0", "", "::"} else host
        local = f"[{local}]" if ":" in local else local
        return {**os.environ, "HUB_INTERNAL_URL": f"http://{local}:{port}"}

    def _supervise(self, children: list[subprocess.Popen]) -> int:
        """Runs until a signal or a child's exit, then stops every child; returns the exit code."""
        # The handler only records the signal: one that took a lock (Event.set does) would
        # deadlock when a second Ctrl-C lands while the first is being handled.
        received: list[int] = []
        signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
        signal.signal(signal.SIGTERM, lambda signum, frame: received.append(signum))
        while not received and all(child.poll() is None for child in children):
            time.sleep(0.2)
        stopping = bool(received)
        exited = [child for child in children if child.poll() is not None]
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + _STOP_GRACE_SECONDS
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        # Everything is stopped: presses that come while the process exits change nothing.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if stopping:
            self.stdout.write("Minihub stopped.")
            return 0
        names = ", ".join(str(child.args[2:4]) for child in exited)
        self.stderr.write(f"A Minihub process exited unexpectedly ({names}); stopped the rest.")
        return 1
