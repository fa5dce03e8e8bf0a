import workers.tasks.audit  # noqa: F401  (connects the audit flusher's start)
from workers.tasks.compare import compare_tensors
from workers.tasks.evaluation import run_evaluation
from workers.tasks.health import ping
from workers.tasks.inference import answer_inference, compute_widget_examples
from workers.tasks.jobs import job_run
from workers.tasks.lfs import lfs_adopt, uploads_clean
from workers.tasks.provenance import signature_check
from workers.tasks.scanning import commit_scan
from workers.tasks.spaces import space_build, space_stop
from workers.tasks.viewer import viewer_convert
from workers.tasks.webhooks import deliver_webhook

__all__ = [
    "answer_inference",
    "commit_scan",
    "compare_tensors",
    "compute_widget_examples",
    "deliver_webhook",
    "job_run",
    "lfs_adopt",
    "ping",
    "signature_check",
    "run_evaluation",
    "space_build",
    "space_stop",
    "uploads_clean",
    "viewer_convert",
]
