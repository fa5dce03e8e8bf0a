"""Gated repos: users ask for access (answering the card's form), the repo's writers decide.

A request is one row per (repo, user). In "auto" mode asking is accepted at once; in "manual"
mode it waits for a writer of the repo's namespace, who may also grant access unasked,
reject (with a reason the user sees), or cancel (back to pending, access withdrawn).
Whether a user may then read files is `registry.permissions.files_readable`.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from registry import errors
from registry.models import AccessRequest, AccessToken, Repo, User
from registry.permissions import Action, Actor, allows, require
from registry.signals import audit_send

FIELD_TYPES = {"text", "checkbox", "date_picker", "country", "select"}
MAX_ANSWER = 1000
MAX_FIELDS = 50


@dataclass(frozen=True)
class GateField:
    """One question of a gated repo's form, from the card's `extra_gated_fields`."""

    label: str
    type: str  # one of FIELD_TYPES; unknown types are asked as text
    options: tuple[tuple[str, str], ...] = ()  # (value, label) of a select


def gate_fields(repo: Repo) -> list[GateField]:
    """The questions of the repo's access form, from the card at main (bad entries skipped:
    the card is the owner's, and a typo there must not lock everyone out)."""
    raw = repo.card_data.get("extra_gated_fields") if isinstance(repo.card_data, dict) else None
    if not isinstance(raw, dict):
        return []
    fields = []
    for label, spec in list(raw.items())[:MAX_FIELDS]:
        kind = spec.get("type") if isinstance(spec, dict) else spec
        kind = kind if kind in FIELD_TYPES else "text"
        options = _options(spec.get("options")) if isinstance(spec, dict) else ()
        if kind == "select" and not options:
            kind = "text"
        fields.append(GateField(str(label)[:200], kind, options))
    return fields


def _options(raw: object) -> tuple[tuple[str, str], ...]:
    """A select's options: plain strings, or `{label, value}` mappings as the Hub takes them."""
    if not isinstance(raw, list):
        return ()
    options = []
    for option in raw:
        if isinstance(option, dict):
            label = str(option.get("label", option.get("value", "")))
            options.append((str(option.get("value", label)), label))
        else:
            options.append((str(option), str(option)))
    return tuple(options)


def gate_prompt(repo: Repo) -> str:
    """The card's `extra_gated_prompt`: the terms the user agrees to by asking."""
    prompt = repo.card_data.get("extra_gated_prompt") if isinstance(repo.card_data, dict) else ""
    return str(prompt or "")


def _answers_check(fields: list[GateField], answers: dict) -> dict:
    """The answers to every question, as the form requires them all (checkboxes ticked)."""
    checked = {}
    for field in fields:
        value = answers.get(field.label)
        value = "" if value is None else str(value).strip()
        if field.type == "checkbox":
            if value.lower() not in {"on", "true", "1", "yes"}:
                raise errors.BadRequest(f"Please tick '{field.label}' to ask for access")
            checked[field.label] = True
            continue
        if not value:
            raise errors.BadRequest(f"Please answer '{field.label}' to ask for access")
        if len(value) > MAX_ANSWER:
            raise errors.BadRequest(f"'{field.label}' is limited to {MAX_ANSWER} characters")
        if field.type == "select" and value not in {v for v, _ in field.options}:
            raise errors.BadRequest(f"'{value}' is not a choice of '{field.label}'")
        checked[field.label] = value
    return checked


def _gated_check(repo: Repo) -> None:
    if not repo.gated:
        raise errors.BadRequest(f"{repo.repo_id} is not gated: turn access requests on first")


def access_request_create(
    *, user: User, token: AccessToken | None, repo: Repo, answers: dict
) -> AccessRequest:
    """Records `user`'s request with their answers and shared email; accepted at once in auto
    mode. Asking again changes nothing (a rejected user stays rejected, as on the Hub)."""
    require(Actor(user, token), Action.CONTRIBUTE, repo=repo)
    _gated_check(repo)
    if allows(Actor(user, token), Action.DOWNLOAD, repo=repo):
        existing = AccessRequest.objects.filter(repo=repo, user=user).first()
        if existing is None:
            raise errors.BadRequest(f"You already have access to {repo.repo_id}")
        return existing
    fields = _answers_check(gate_fields(repo), answers)
    auto = repo.gated == "auto"
    status = AccessRequest.Status.ACCEPTED if auto else AccessRequest.Status.PENDING
    try:
        with transaction.atomic():
            return AccessRequest.objects.create(
                repo=repo,
                user=user,
                status=status,
                fields=fields,
                email=user.email,
                decided_at=timezone.now() if auto else None,
            )
    except IntegrityError:  # asked before, or twice at once
        return AccessRequest.objects.get(repo=repo, user=user)


def access_request_of(*, user: User, repo: Repo) -> AccessRequest | None:
    """`user`'s own request for `repo`, to show them where it stands."""
    if not user.is_authenticated:
        return None
    return AccessRequest.objects.filter(repo=repo, user=user).first()


def access_requests_list(
    *, user: User, token: AccessToken | None, repo: Repo, status: str
) -> QuerySet[AccessRequest]:
    """The repo's requests in `status`, oldest first, for its writers."""
    require(Actor(user, token), Action.WRITE, repo=repo)
    _gated_check(repo)
    if status not in AccessRequest.Status.values:
        raise errors.BadRequest(f"Unknown status '{status}': pending, accepted or rejected")
    return (
        AccessRequest.objects.filter(repo=repo, status=status)
        .select_related("user")
        .order_by("created_at", "pk")
    )


def _request_find(repo: Repo, username: str | None, request_id: str | None) -> AccessRequest:
    rows = AccessRequest.objects.filter(repo=repo).select_related("user")
    if username:
        found = rows.filter(user__username__iexact=username).first()
    else:
        found = rows.filter(public_id=_uuid(request_id)).first() if request_id else None
    if found is None:
        raise errors.NotFound(f"No access request from {username or request_id} to {repo.repo_id}")
    return found


def _uuid(value: str) -> str | None:
    cleaned = value.replace("-", "").lower()
    return cleaned if len(cleaned) == 32 and all(c in "0123456789abcdef" for c in cleaned) else None


def access_request_handle(
    *,
    user: User,
    token: AccessToken | None,
    repo: Repo,
    status: str,
    username: str | None = None,
    request_id: str | None = None,
    reason: str | None = None,
) -> AccessRequest:
    """Moves one request to `status`: accepted, rejected (with `reason`), or pending (a
    cancel). A request already there is a 404, as on the Hub; the move is a compare-and-swap,
    so two writers deciding at once cannot both succeed."""
    require(Actor(user, token), Action.WRITE, repo=repo)
    _gated_check(repo)
    if status not in AccessRequest.Status.values:
        raise errors.BadRequest(f"Unknown status '{status}': pending, accepted or rejected")
    if reason is not None and status != AccessRequest.Status.REJECTED:
        raise errors.BadRequest("A reason is given only when rejecting a request")
    if reason is not None and len(reason) > 200:
        raise errors.BadRequest("The rejection reason is limited to 200 characters")
    row = _request_find(repo, username, request_id)
    moved = (
        AccessRequest.objects.filter(pk=row.pk)
        .exclude(status=status)
        .update(status=status, reason=reason or "", decided_at=timezone.now(), decided_by=user)
    )
    if not moved:
        raise errors.NotFound(f"{row.user.username}'s access request is already {status}")
    row.refresh_from_db()
    audit_send(
        action="access.decide", user=user, token=token, repo=repo, requester=row.user.username,
        status=status,
    )  # fmt: skip
    return row


def access_grant(
    *, user: User, token: AccessToken | None, repo: Repo, username: str
) -> AccessRequest:
    """Gives `username` access without a request of theirs (so no email is shared); a 400
    when they have it already."""
    require(Actor(user, token), Action.WRITE, repo=repo)
    _gated_check(repo)
    grantee = User.objects.filter(username__iexact=username or "", is_active=True).first()
    if grantee is None:
        raise errors.NotFound(f"User {username} not found")
    accepted = AccessRequest.Status.ACCEPTED
    decided = {"status": accepted, "reason": "", "decided_at": timezone.now(), "decided_by": user}
    try:
        with transaction.atomic():
            row = AccessRequest.objects.create(repo=repo, user=grantee, **decided)
    except IntegrityError:
        if (
            not AccessRequest.objects.filter(repo=repo, user=grantee)
            .exclude(status=accepted)
            .update(**decided)
        ):
            raise errors.BadRequest(
                f"{grantee.username} already has access to {repo.repo_id}"
            ) from None
        row = AccessRequest.objects.get(repo=repo, user=grantee)
    audit_send(action="access.grant", user=user, token=token, repo=repo, requester=grantee.username)
    return row
