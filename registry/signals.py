"""What the core tells the apps built on it. The core never imports an app: evaluation,
inference and the rest connect their listeners here in their AppConfig.ready()."""

from django.db import transaction
from django.dispatch import Signal

# Sent with `repo=` once a repo's main branch moved and its row shows the new head (a push
# sends it after git's client has its answer).
repo_main_moved = Signal()

# What the Hub sends webhooks for, sent once the change is committed: `repo=` (for "delete",
# the row as it was: it no longer exists), `action=` ("create" | "update" | "delete" |
# "move"), `scope=` ("repo" | "repo.content" | "repo.config" | "discussion" |
# "discussion.comment") and `payload=`, what changed: `updatedRefs` ([{ref, oldSha,
# newSha}]), `updatedConfig`, `oldName` (a moved repo's former id), `discussion` and `comment`
# (a Discussion and a DiscussionEvent row).
repo_event = Signal()


def repo_event_send(*, repo, action: str, scope: str, **payload) -> None:
    """Sends `repo_event` when the current transaction commits (at once outside one), so
    no listener hears of a change that was rolled back."""
    transaction.on_commit(
        lambda: repo_event.send(
            sender=type(repo), repo=repo, action=action, scope=scope, payload=payload
        )
    )


# Asked with `repo=`, `base_url=`, `user=` (who asks) and `expand=` (the set of fields the
# client named in `?expand=`, empty without one) while the API answers model_info/space_info:
# each receiver returns a dict of fields to add (the spaces app adds a Space's `host`,
# `subdomain` and `runtime`; evaluation adds `evalResults` when expanded), so the core
# describes what it does not own without importing its owner.
repo_info_extend = Signal()


def repo_info_extras(*, repo, base_url: str, user=None, expand: frozenset = frozenset()) -> dict:
    """The fields the apps add to `repo`'s info answer (see `repo_info_extend`)."""
    extras: dict = {}
    answers = repo_info_extend.send(
        sender=type(repo), repo=repo, base_url=base_url, user=user, expand=expand
    )
    for _receiver, answer in answers:
        extras.update(answer or {})
    return extras


# Asked before a branch moves, by the commit service (under the write lock, the new commit
# written but the ref not yet moved) and by the push gate, with `repo=`, `user=`, `ref=`
# (e.g. "refs/heads/main"), `sha=` (the commit it would move to) and `export=`, a callable
# that writes that commit's files into an empty folder. A receiver returns why the move must
# be refused (an organization's signing policy) or None; the first reason wins.
ref_move_check = Signal()


def ref_move_refusal(*, repo, user, ref: str, sha: str, export) -> str | None:
    """Why an app refuses to let `ref` move to `sha` (see `ref_move_check`), or None."""
    answers = ref_move_check.send(
        sender=type(repo), repo=repo, user=user, ref=ref, sha=sha, export=export
    )
    return next((answer for _receiver, answer in answers if answer), None)


# What the audit log records, sent with `action=` (e.g. "repo.commit", "repo.read",
# "token.create", "auth.failed"), `user=` and `token=` (who acted, when the sender knows;
# a listener may take them from the request it runs in), `repo=` or `namespace=` (whose
# events these are), and `detail=` (revision, path, bytes, ...: plain JSON values).
audit_event = Signal()


def audit_send(*, action: str, user=None, token=None, repo=None, namespace=None, **detail) -> None:
    """Sends `audit_event` when the current transaction commits (at once outside one): a
    write rolled back is no event. Never a secret in `detail`: tokens go by row."""
    transaction.on_commit(
        lambda: audit_event.send(
            sender=audit_event,
            action=action,
            user=user,
            token=token,
            repo=repo,
            namespace=namespace,
            detail=detail,
        )
    )


def repo_read_audited(repo) -> bool:
    """Whether reading `repo`'s files is an audit event: private and gated repos only (a
    public file's readers are anyone)."""
    return bool(repo.private or repo.gated)
