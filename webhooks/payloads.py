"""The Hub's webhook payload (version 3), as huggingface_hub's `WebhookPayload` reads it."""

from django.conf import settings

from registry.models import Discussion, DiscussionEvent, Repo
from webhooks.models import Webhook

VERSION = 3


def event_payload(*, webhook: Webhook, repo: Repo, action: str, scope: str, changes: dict) -> dict:
    """What `webhook` is sent for one event. A moved repo is named as it was, with its new
    name in `movedTo`; `headSha` (main's head) comes with repo events only, as on the Hub."""
    base = settings.HUB_PUBLIC_URL or webhook.base_url
    old_name = changes.get("oldName")
    body = {
        "event": {"action": action, "scope": scope},
        "repo": _repo(repo, base, old_name or repo.repo_id, head=scope.startswith("repo")),
    }
    discussion, comment = changes.get("discussion"), changes.get("comment")
    if discussion is not None:
        body["discussion"] = _discussion(discussion, base)
    if comment is not None:
        body["comment"] = _comment(comment, body["discussion"]["url"]["web"])
    for key in ("updatedRefs", "updatedConfig"):
        if key in changes:
            body[key] = changes[key]
    if old_name:
        body["movedTo"] = {"name": repo.repo_id, "owner": {"id": str(repo.namespace_id)}}
    body["webhook"] = {"id": webhook.public_id, "version": VERSION}
    return body


def _repo(repo: Repo, base: str, name: str, *, head: bool) -> dict:
    data = {
        "type": repo.type,
        "name": name,
        "id": str(repo.storage_id),
        "private": repo.private,
        "url": {"web": f"{base}/{repo.url_prefix}{name}", "api": f"{base}/api/{repo.type}s/{name}"},
        "owner": {"id": str(repo.namespace_id)},
    }
    if head:
        data["headSha"] = repo.head_sha or None
    return data


def _discussion(discussion: Discussion, base: str) -> dict:
    repo = discussion.repo
    path = f"{repo.repo_id}/discussions/{discussion.num}"
    data = {
        "id": str(discussion.pk),
        "num": discussion.num,
        "title": discussion.title,
        "url": {"web": f"{base}/{repo.url_prefix}{path}", "api": f"{base}/api/{repo.type}s/{path}"},
        "status": discussion.status,
        "author": {"id": str(discussion.author_id or "")},
        "isPullRequest": discussion.is_pull_request,
        "pinned": False,
    }
    if discussion.is_pull_request:
        data["changes"] = {"base": f"refs/heads/{discussion.target_branch}"}
        if discussion.merge_commit:
            data["changes"]["mergeCommitId"] = discussion.merge_commit
    return data


def _comment(comment: DiscussionEvent, discussion_url: str) -> dict:
    return {
        "id": str(comment.pk),
        "author": {"id": str(comment.author_id or "")},
        "content": comment.data.get("raw", ""),
        "hidden": bool(comment.data.get("hidden", False)),
        "url": {"web": f"{discussion_url}#{comment.pk}"},
    }
