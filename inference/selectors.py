"""Reads for the widget (what the partial shows for a repo at the head of main) and for
chat: which models have a chat template, which ones a caller may chat with."""

import json

from inference.models import WidgetExample
from inference.tasks import TASKS, widget_requests
from registry.errors import HubError
from registry.gitstore import GitRepo
from registry.models import Repo, User
from registry.repofiles import repo_file_at

# A tokenizer_config.json larger than this is not read for its chat template.
_TOKENIZER_CONFIG_MAX_BYTES = 8 * 1024 * 1024


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
    chat = task == "text-generation" and chat_template_present(repo=repo, sha=repo.head_sha)
    return {
        "repo_id": repo.repo_id,
        "task": task,
        "supported": task in TASKS,
        "api_url": f"/models/{repo.repo_id}",
        "examples": examples,
        "chat_url": "/v1/chat/completions" if chat else "",
    }


def chat_template_present(*, repo: Repo, sha: str) -> bool:
    """Whether the model's tokenizer at `sha` has a chat template, where transformers saves
    one: chat_template.jinja, or `chat_template` in tokenizer_config.json."""
    if not sha:
        return False
    git = GitRepo(repo.storage_id)
    template = git.entry(sha, "chat_template.jinja")
    if template is not None and template.type == "file":
        return True
    try:
        config = repo_file_at(repo=repo, git=git, sha=sha, path="tokenizer_config.json")
        found = json.loads(config.read(limit=_TOKENIZER_CONFIG_MAX_BYTES))
    except (HubError, ValueError):  # missing, too large, or not JSON: no template to be read
        return False
    return isinstance(found, dict) and bool(found.get("chat_template"))


def text_generation_models(*, user: User) -> list[Repo]:
    """The text-generation models `user` sees, with a commit: what /v1/models lists."""
    return list(
        Repo.objects.visible_to(user)
        .filter(type=Repo.Type.MODEL, pipeline_tag="text-generation")
        .exclude(head_sha="")
        .select_related("namespace")
        .order_by("namespace__name", "name")
    )


def _image_url(repo: Repo, src: str) -> str:
    """Example images are shown from the repo itself: the page loads nothing from elsewhere."""
    if "/resolve/" in src:
        src = src.split("/resolve/", 1)[1].split("/", 1)[-1]
    return f"/{repo.repo_id}/resolve/{repo.head_sha}/{src.lstrip('/')}"
