from django.db import IntegrityError, transaction
from django.db.models import F

from registry import errors
from registry.cards import search_tags
from registry.gitstore import Change, GitRepo
from registry.models import Namespace, Organization, Repo, RepoRedirect, RepoTag, User
from registry.names import validate_repo_name
from registry.permissions import Action, Actor, require
from registry.selectors import card_at
from registry.services.listings import listing_changed
from registry.signals import audit_send, repo_event_send, repo_main_moved

INITIAL_COMMIT_TITLE = "initial commit"

_LFS = " filter=lfs diff=lfs merge=lfs -text"
_COMMON_LFS = [
    "*.7z",
    "*.arrow",
    "*.bin",
    "*.bz2",
    "*.ckpt",
    "*.ftz",
    "*.gz",
    "*.h5",
    "*.joblib",
    "*.lfs.*",
    "*.mlmodel",
    "*.model",
    "*.msgpack",
    "*.npy",
    "*.npz",
    "*.onnx",
    "*.ot",
    "*.parquet",
    "*.pb",
    "*.pickle",
    "*.pkl",
    "*.pt",
    "*.pth",
    "*.rar",
    "*.safetensors",
    "saved_model/**/*",
    "*.tar.*",
    "*.tar",
    "*.tflite",
    "*.tgz",
    "*.wasm",
    "*.xz",
    "*.zip",
    "*.zst",
    "*tfevents*",
]
_DATASET_LFS = [
    "*.lz4",
    "*.mds",
    "*.pcm",
    "*.sam",
    "*.raw",
    "*.aac",
    "*.flac",
    "*.mp3",
    "*.ogg",
    "*.wav",
    "*.bmp",
    "*.gif",
    "*.png",
    "*.tiff",
    "*.jpg",
    "*.jpeg",
    "*.webp",
    "*.mp4",
    "*.webm",
]


SPACE_SDKS = ("gradio", "docker", "static", "streamlit")


def default_gitattributes(repo_type: str) -> bytes:
    """The `.gitattributes` the Hub puts in a new repo: common binary formats go to LFS."""
    patterns = _COMMON_LFS + (_DATASET_LFS if repo_type == Repo.Type.DATASET else [])
    return "".join(f"{pattern}{_LFS}\n" for pattern in patterns).encode()


def author_of(user: User) -> tuple[str, str]:
    return user.username, user.email or f"{user.username}@users.noreply.minihub"


def _namespace_for(*, user: User, organization: str | None) -> Namespace:
    name = organization or user.username
    namespace = Namespace.objects.filter(name__iexact=name).first()
    if namespace is None:
        raise errors.NotFound(f"Namespace '{name}' not found")
    return namespace


def repo_create(
    *,
    user: User,
    token,
    name: str,
    organization: str | None,
    repo_type: str,
    private: bool | None,
    space_sdk: str | None = None,
    license: str | None = None,
) -> Repo:
    """Creates the repo row and its git repository with an initial commit; all or nothing.

    A Space starts, as on the Hub, with a README.md whose metadata names its SDK; a
    `license` (the new-repo page's field) goes into that card's metadata, or a card of its own.
    """
    validate_repo_name(name)
    if repo_type not in Repo.Type.values:
        raise errors.BadRequest(f"Invalid repo type '{repo_type}'")
    if repo_type == Repo.Type.SPACE and (space_sdk or "static") not in SPACE_SDKS:
        raise errors.BadRequest(f"Invalid space_sdk '{space_sdk}': use one of {SPACE_SDKS}")
    namespace = _namespace_for(user=user, organization=organization)
    require(Actor(user, token), Action.WRITE, namespace=namespace)
    if private is None:  # the creator did not say: the organization's default
        org = Organization.objects.filter(namespace=namespace).first()
        private = bool(org and org.repos_private_by_default)
    repo = Repo(namespace=namespace, name=name, type=repo_type, private=private)
    git = GitRepo.init(repo.storage_id)
    try:
        changes = [
            Change("add", ".gitattributes", git.write_blob(default_gitattributes(repo_type)))
        ]
        readme = _initial_readme(repo_type, name, space_sdk, license)
        if readme is not None:
            changes.append(Change("add", "README.md", git.write_blob(readme)))
        sha = git.write_commit(
            parent=None,
            changes=changes,
            message=INITIAL_COMMIT_TITLE,
            author=author_of(user),
        )
        git.update_ref("refs/heads/main", sha, "0" * 40)
        with transaction.atomic():
            repo.save()
    except IntegrityError:
        GitRepo.destroy(repo.storage_id)
        raise _exists(repo_type, namespace.name, name) from None
    except BaseException:
        GitRepo.destroy(repo.storage_id)
        raise
    repo_refresh(repo=repo, git=git)
    repo_event_send(repo=repo, action="create", scope="repo")
    audit_send(action="repo.create", user=user, token=token, repo=repo, private=repo.private)
    return repo


def _initial_readme(
    repo_type: str, name: str, sdk: str | None, license: str | None
) -> bytes | None:
    licensed = f"license: {license}\n" if license else ""
    if repo_type == Repo.Type.SPACE:
        return _space_readme(name, sdk or "static", licensed)
    return f"---\n{licensed}---\n".encode() if licensed else None


def _space_readme(name: str, sdk: str, licensed: str) -> bytes:
    return (
        f"---\ntitle: {name}\nemoji: 🚀\ncolorFrom: blue\ncolorTo: red\nsdk: {sdk}\n"
        f"{licensed}pinned: false\n---\n\nThe `sdk`, `app_file` and the rest of the metadata "
        "above say how this Space runs; see the hub's docs.\n"
    ).encode()


def _exists(repo_type: str, namespace: str, name: str) -> errors.Conflict:
    existing = Repo.objects.select_related("namespace").get(
        type=repo_type, namespace__name__iexact=namespace, name__iexact=name
    )
    return RepoExists(f"You already created this {repo_type} repo", repo=existing)


class RepoExists(errors.Conflict):
    def __init__(self, message: str, *, repo: Repo):
        super().__init__(message)
        self.repo = repo


def repo_delete(*, user: User, token, repo: Repo) -> None:
    """Deletes the row, then the git repository; LFS blobs stay (other repos may share them)."""
    require(Actor(user, token), Action.WRITE, repo=repo)
    storage_id = repo.storage_id
    repo.delete()
    GitRepo.destroy(storage_id)
    repo_event_send(repo=repo, action="delete", scope="repo")
    audit_send(action="repo.delete", user=user, token=token, repo=repo)


def repo_refresh(*, repo: Repo, git: GitRepo) -> None:
    """Re-reads the default branch into the row's cached fields and search tags, then tells
    the apps that follow main (`repo_changed`).

    Runs after every change to main, whoever made it (API commit, push, merge); the row is
    a cache of git, rebuilt the same way by `manage.py reindex`.
    """
    repo_reindex(repo=repo, git=git)
    repo_changed(repo=repo)


def repo_reindex(*, repo: Repo, git: GitRepo) -> None:
    """The row-and-tags half of `repo_refresh`: what the API and search show of main."""
    with git.index_lock():
        fields, tags = repo_index(repo=repo, git=git)
        with transaction.atomic():
            Repo.objects.filter(pk=repo.pk).update(**fields)
            RepoTag.objects.filter(repo=repo).exclude(tag__in=tags).delete()
            existing = set(RepoTag.objects.filter(repo=repo).values_list("tag", flat=True))
            RepoTag.objects.bulk_create(
                [RepoTag(repo=repo, tag=t) for t in tags if t not in existing]
            )
            listing_changed()
    for name, value in fields.items():
        setattr(repo, name, value)


def repo_info_changed(*, repo_pk: int) -> None:
    """What the repo's info answer shows beyond its commit changed (see `Repo.info_version`).
    Called after the change is written, in its transaction if it has one: no reader sees
    the new version with the old rows, so none caches an old answer under it."""
    Repo.objects.filter(pk=repo_pk).update(info_version=F("info_version") + 1)


def repo_changed(*, repo: Repo) -> None:
    """The other half of `repo_refresh`: the widget examples and leaderboards that follow
    main catch up (a push runs it once git's client has its answer)."""
    repo_main_moved.send(sender=Repo, repo=repo)


def repo_index(*, repo: Repo, git: GitRepo) -> tuple[dict, list[str]]:
    """What the row caches of git (its fields and tags), as `repo_refresh` writes it."""
    sha = git.ref_target("refs/heads/main") or ""
    card = card_at(git=git, sha=sha) if sha else {}
    modified = git.commit_info(sha).date if sha else repo.created_at
    fields = {
        "head_sha": sha,
        "card_data": card,
        "pipeline_tag": _short(card.get("pipeline_tag")),
        "library_name": _short(card.get("library_name")),
        "last_modified": modified,
    }
    return fields, [tag[:200] for tag in search_tags(card, repo_type=repo.type)]


def _short(value) -> str:
    return str(value)[:100] if isinstance(value, str) else ""


def repo_move(*, user: User, token, repo: Repo, to_repo: str) -> Repo:
    """Renames or moves a repo; its old name keeps redirecting. Git storage does not move."""
    namespace_name, _, name = to_repo.partition("/")
    validate_repo_name(name)
    target = _namespace_for(user=user, organization=namespace_name)
    require(Actor(user, token), Action.WRITE, repo=repo)
    require(Actor(user, token), Action.WRITE, namespace=target)
    old_namespace, old_name = repo.namespace.name, repo.name
    try:
        with transaction.atomic():
            RepoRedirect.objects.filter(
                type=repo.type, namespace_name__iexact=target.name, name__iexact=name
            ).delete()
            repo.namespace, repo.name = target, name
            repo.save(update_fields=["namespace", "name"])
            RepoRedirect.objects.create(
                repo=repo, type=repo.type, namespace_name=old_namespace, name=old_name
            )
    except IntegrityError:
        raise errors.Conflict(
            f"A {repo.type} repository called {target.name}/{name} already exists"
        ) from None
    repo_event_send(repo=repo, action="move", scope="repo", oldName=f"{old_namespace}/{old_name}")
    audit_send(
        action="repo.move", user=user, token=token, repo=repo, oldName=f"{old_namespace}/{old_name}"
    )
    return repo


def repo_update_settings(
    *, user: User, token, repo: Repo, private: bool | None, gated: str | bool | None
) -> Repo:
    require(Actor(user, token), Action.WRITE, repo=repo)
    if private is not None:
        repo.private = private
    if gated is not None:
        if gated not in (False, "auto", "manual"):
            raise errors.BadRequest("gated must be 'auto', 'manual' or false")
        repo.gated = gated or ""
    repo.save(update_fields=["private", "gated"])
    # The Hub's `updatedConfig` names only the keys it supports (`private` here).
    config = {"private": repo.private} if private is not None else {}
    repo_event_send(repo=repo, action="update", scope="repo.config", updatedConfig=config)
    audit_send(
        action="repo.settings", user=user, token=token, repo=repo, private=repo.private,
        gated=repo.gated or False,
    )  # fmt: skip
    return repo
