"""Reads for the widget: what the partial shows for a repo at the head of main."""

from inference.models import WidgetExample
from inference.tasks import TASKS, widget_requests
from registry.models import Repo


def widget_get(*, repo: Repo) -> dict:
    """The widget's data: task, API URL and the card's examples with their stored outputs.

    An example's output shows only when it was computed for this very request at main's head.
    """
    task = repo.pipeline_tag
    examples = widget_requests(pipeline_tag=task, card=repo.card_data)
    stored = {
        row.position: row
        for row in WidgetExample.objects.filter(
            repo=repo, sha=repo.head_sha, computed_at__isnull=False
        )
    }
    for position, example in enumerate(examples):
        row = stored.get(position)
        if row is not None and row.request == {"task": task, **example}:
            example["output"] = row.output
            if row.error_code:
                example["error"] = {"code": row.error_code, "message": row.error_message}
        if "src" in example:
            example["src"] = _image_url(repo, example["src"])
    return {
        "repo_id": repo.repo_id,
        "task": task,
        "supported": task in TASKS,
        "api_url": f"/models/{repo.repo_id}",
        "examples": examples,
    }


def _image_url(repo: Repo, src: str) -> str:
    """Example images are shown from the repo itself: the page loads nothing from elsewhere."""
    if "/resolve/" in src:
        src = src.split("/resolve/", 1)[1].split("/", 1)[-1]
    return f"/{repo.repo_id}/resolve/{repo.head_sha}/{src.lstrip('/')}"
