"""The Celery app. Only this package knows Celery; the rest of the hub calls its functions."""

import logging
import os
import warnings

from celery import Celery
from celery.exceptions import SecurityWarning
from celery.signals import worker_init
from django.conf import settings

from workers import transport

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubsite.settings")

app = Celery("minihub")

QUEUES = ("default", "inference", "eval", "spaces", "jobs", "viewer")


def _broker_options() -> dict:
    if settings.HUB_BROKER_URL != "filesystem://":
        # A task taken by a worker that died (acks_late: still unacknowledged) goes back to
        # the queue after the visibility timeout; sweep for such tasks a few times per
        # timeout rather than kombu's default of every 100 s.
        visibility = settings.HUB_BROKER_VISIBILITY_TIMEOUT
        return {
            "broker_url": settings.HUB_BROKER_URL,
            "result_backend": settings.HUB_BROKER_URL,
            "broker_transport_options": {
                "visibility_timeout": visibility,
                "unacked_restore_interval": max(1, min(10, visibility // 4)),
                "unacked_restore_throttle": 1,
            },
        }
    # kombu's filesystem transport: a directory of message files, no server to run.
    queue_dir = settings.HUB_DATA_DIR / "broker" / "queue"
    processed_dir = settings.HUB_DATA_DIR / "broker" / "processed"
    results_dir = settings.HUB_DATA_DIR / "broker" / "results"
    control_dir = settings.HUB_DATA_DIR / "broker" / "control"
    for folder in (queue_dir, processed_dir, results_dir, control_dir):
        folder.mkdir(parents=True, exist_ok=True)
    return {
        # A host for kombu to name: the transport ignores it, but without one kombu warns "No
        # hostname was supplied" on every connection, which reads like a fault at start-up.
        "broker_url": f"{transport.ALIAS}://localhost",
        "broker_transport_options": {
            "data_folder_in": str(queue_dir),
            "data_folder_out": str(queue_dir),
            "processed_folder": str(processed_dir),
            "store_processed": False,
            "polling_interval": 0.1,
            "control_folder": str(control_dir),
        },
        "result_backend": f"file://{results_dir}",
    }


app.conf.update(
    task_default_queue="default",
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    result_expires=3600,
    broker_connection_retry_on_startup=True,
    timezone="UTC",
    # JSON logs: let Django's LOGGING format the worker's lines too.
    worker_hijack_root_logger=settings.HUB_LOG_FORMAT != "json",
    **_broker_options(),
)
app.autodiscover_tasks(["workers"], related_name="tasks", force=True)


# The workers run as root on purpose: the sandbox (Spaces, Jobs, evaluation's user code) must
# switch each run to a uid of its own and create its cgroup, which only root can do, and what
# runs as root is the hub's own code; user code never does. Messages are JSON only (Celery
# refuses pickle as root unless C_FORCE_ROOT is set, and we never set it). So Celery's
# "superuser privileges" warning, printed by every worker at start, is replaced by one line
# that says why (docs/operations.md, "Processes").
warnings.filterwarnings(
    "ignore", message="You're running the worker with superuser", category=SecurityWarning
)


@worker_init.connect
def _say_why_root(**_: object) -> None:
    if os.geteuid() == 0:
        logging.getLogger("workers").info(
            "The worker runs as root so the sandbox can give each Space and Job a uid of its own"
        )
