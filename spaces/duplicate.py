"""duplicate_space: a new Space with the source's files at main, its variables, and the
secrets the caller sends (a secret's value never leaves the source, as on the Hub)."""

from django.db import transaction

from registry import errors
from registry.gitstore.lfs import pointer_bytes
from registry.gitstore.repo import Change
from registry.models import AccessToken, Repo, User
from registry.permissions import Action, Actor, require
from registry.repofiles import RepoFile, repo_files_at
from registry.request import open_git
from registry.sealing import seal
from registry.services.commits import commit_create
from registry.services.repos import SPACE_SDKS, repo_create
from spaces.models import SpaceRuntime, SpaceSecret, SpaceVariable
from spaces.selectors import HARDWARE
from spaces.services import setting_check


def _settings_list(value: object, name: str) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(i, dict) and isinstance(i.get("key"), str) and isinstance(i.get("value"), str)
        for i in value
    ):
        raise errors.BadRequest(f"{name} must be a list of {{key, value, description}} objects")
    return value


def _blob(file: RepoFile) -> bytes:
    # An LFS file is copied as its pointer: commit_create links the object to the new repo,
    # since the duplicating user can read it in the source.
    if file.lfs is not None:
        return pointer_bytes(file.lfs.oid, file.lfs.size)
    return b"".join(file.chunks())


def space_duplicate(
    *,
    user: User,
    token: AccessToken | None,
    source: Repo,
    to_id: object,
    private: bool | None,
    hardware: object = None,
    sleep_time: object = None,
    secrets: object = None,
    variables: object = None,
) -> Repo:
    """Creates `to_id` with the source Space's files at main; all its settings except the
    secrets' values. Needs to read the source's files and to write the target namespace."""
    require(Actor(user, token), Action.DOWNLOAD, repo=source)
    if not isinstance(to_id, str) or to_id.count("/") != 1:
        raise errors.BadRequest("repository must be 'namespace/name'")
    if hardware not in (None, HARDWARE):
        raise errors.BadRequest(f"Hardware '{hardware}' is not available: only '{HARDWARE}'")
    secrets, variables = _settings_list(secrets, "secrets"), _settings_list(variables, "variables")
    for item in secrets + variables:
        setting_check(item["key"], item["value"], item.get("description"))
    namespace, name = to_id.split("/")
    sdk = source.card_data.get("sdk") if isinstance(source.card_data, dict) else None
    repo = repo_create(
        user=user, token=token, name=name,
        organization=None if namespace.lower() == user.username.lower() else namespace,
        repo_type=Repo.Type.SPACE, private=source.private if private is None else private,
        space_sdk=sdk if sdk in SPACE_SDKS else "static",
    )  # fmt: skip
    with transaction.atomic():
        _copy_settings(source, repo, secrets, variables, sleep_time)
    snapshot = repo_files_at(repo=source, sha=source.head_sha)
    git = open_git(repo)
    changes = [Change("add", f.path, git.write_blob(_blob(f))) for f in snapshot.files]
    commit_create(
        user=user, repo=repo, git=git, ref="refs/heads/main", parent_commit=None,
        changes=changes, message=f"Duplicated from {source.repo_id}",
    )  # fmt: skip
    return repo


def _copy_settings(
    source: Repo, repo: Repo, secrets: list[dict], variables: list[dict], sleep_time: object
) -> None:
    copied = {v.key: v for v in SpaceVariable.objects.filter(repo=source)}
    for item in variables:
        copied[item["key"]] = SpaceVariable(
            key=item["key"], value=item["value"], description=item.get("description") or ""
        )
    SpaceVariable.objects.bulk_create(
        [SpaceVariable(repo=repo, key=k, value=v.value, description=v.description)
         for k, v in copied.items()]
    )  # fmt: skip
    SpaceSecret.objects.bulk_create(
        [SpaceSecret(repo=repo, key=s["key"], value=seal(s["value"]),
                     description=s.get("description") or "") for s in secrets]
    )  # fmt: skip
    if isinstance(sleep_time, int) and not isinstance(sleep_time, bool):
        SpaceRuntime.objects.update_or_create(repo=repo, defaults={"sleep_time": sleep_time})
