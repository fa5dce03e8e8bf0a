"""Reads: a Space's runtime as the Hub's JSON, its public URL, its environment and logs."""

from pathlib import Path

from django.conf import settings

from registry.models import Repo
from registry.sealing import SecretUnreadable, unseal
from spaces.models import SpaceRuntime, SpaceSecret, SpaceVariable

HARDWARE = "cpu-basic"
LOG_KINDS = ("build", "run")
_TAIL_BYTES = 4000


def space_host(*, repo: Repo, base_url: str) -> str:
    """Where the Space's app answers: a path prefix on the hub's own host (no trailing
    slash, as the Hub's `host`); see docs/architecture.md for why not a subdomain."""
    return f"{base_url}/spaces-apps/{repo.repo_id}"


def space_subdomain(*, repo: Repo) -> str:
    # The Hub's `subdomain` is the id with `/` (and `_`, `.`) as `-`.
    return repo.repo_id.replace("/", "-").replace("_", "-").replace(".", "-").lower()


def space_sleep_seconds(runtime: SpaceRuntime) -> int | None:
    """Seconds without a request before the Space sleeps; None: never (-1 set by a user)."""
    if runtime.sleep_time is None:
        return settings.HUB_SPACES_SLEEP_TIME
    return None if runtime.sleep_time < 0 else runtime.sleep_time


def space_runtime_json(runtime: SpaceRuntime) -> dict:
    """The Hub's runtime object (huggingface_hub's SpaceRuntime reads stage, hardware,
    gcTimeout; huggingface.js also errorMessage)."""
    body = {
        "stage": runtime.stage,
        "hardware": {"current": HARDWARE, "requested": HARDWARE},
        "gcTimeout": runtime.sleep_time if runtime.sleep_time is not None else None,
        "storage": None,
        "devMode": False,
        "replicas": {"current": 1, "requested": 1},
        "sdk": runtime.sdk or None,
    }
    if runtime.error:
        body["errorMessage"] = runtime.error
    return body


def space_env(*, repo: Repo) -> dict[str, str]:
    """What the app sees as its environment from the Space's settings: variables, then
    secrets (a secret wins over a variable of the same key), for the run task."""
    env = dict(SpaceVariable.objects.filter(repo=repo).values_list("key", "value"))
    env.update(space_secrets_open(repo=repo))
    return env


def space_secrets_open(*, repo: Repo) -> dict[str, str]:
    """The Space's secrets in plain text: the one place they are opened, for the app's
    environment and for masking its logs. SecretUnreadable says which one no key opens."""
    opened = {}
    for key, token in SpaceSecret.objects.filter(repo=repo).values_list("key", "value"):
        try:
            opened[key] = unseal(token)
        except SecretUnreadable:
            raise SecretUnreadable(
                f"The secret {key} cannot be decrypted with this hub's keys (HUB_SECRETS_KEYS): "
                "the key it was sealed with is gone. Set the secret again, then restart the Space."
            ) from None
    return opened


def space_variables_json(*, repo: Repo) -> dict:
    return {
        v.key: {"value": v.value, "description": v.description, "updatedAt": _iso(v.updated_at)}
        for v in SpaceVariable.objects.filter(repo=repo)
    }


def space_secrets_json(*, repo: Repo) -> dict:
    """Keys, descriptions and dates only: a secret's value is never read back."""
    return {
        s.key: {"description": s.description, "updatedAt": _iso(s.updated_at)}
        for s in SpaceSecret.objects.filter(repo=repo).only("key", "description", "updated_at")
    }


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def space_log_path(*, repo: Repo, kind: str) -> Path:
    """Where the build and run tasks write a Space's logs (one file each, replaced per run)."""
    return settings.HUB_DATA_DIR / "spaces" / str(repo.storage_id) / f"{kind}.log"


def log_redact(text: str, *, secrets: list[str]) -> str:
    """`text` with every secret value masked: an app that prints its secrets does not
    publish them to whoever reads its logs."""
    for value in sorted(secrets, key=len, reverse=True):
        if value:
            text = text.replace(value, "***")
    return text


def space_secret_values(*, repo: Repo) -> list[str]:
    return list(space_secrets_open(repo=repo).values())


def space_log_tail(*, repo: Repo, kind: str) -> str:
    """The last few KiB of a log, secrets masked: what an error stage shows. While a secret
    cannot be opened, it cannot be masked either: the error says why instead."""
    try:
        secrets = space_secret_values(repo=repo)
    except SecretUnreadable as unreadable:
        return str(unreadable)
    path = space_log_path(repo=repo, kind=kind)
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, path.stat().st_size - _TAIL_BYTES))
            data = handle.read()
    except FileNotFoundError:
        return ""
    return log_redact(data.decode("utf-8", "replace"), secrets=secrets)
