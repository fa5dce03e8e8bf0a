from django.db import IntegrityError, transaction
from django.utils import timezone

from registry import errors
from registry.gitstore import Change, GitRepo
from registry.models import Namespace, Repo, User
from registry.names import validate_repo_name
from registry.selectors import card_at, require_write

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
    *, user: User, token, name: str, organization: str | None, repo_type: str, private: bool
) -> Repo:
    """Creates the repo row and its git repository with an initial commit; all or nothing."""
    validate_repo_name(name)
    if repo_type not in Repo.Type.values:
        raise errors.BadRequest(f"Invalid repo type '{repo_type}'")
    namespace = _namespace_for(user=user, organization=organization)
    require_write(user=user, token=token, namespace=namespace)
    repo = Repo(namespace=namespace, name=name, type=repo_type, private=private)
    git = GitRepo.init(repo.storage_id)
    try:
        blob = git.write_blob(default_gitattributes(repo_type))
        sha = git.write_commit(
            parent=None,
            changes=[Change("add", ".gitattributes", blob)],
            message=INITIAL_COMMIT_TITLE,
            author=author_of(user),
        )
        git.update_ref("refs/heads/main", sha, "0" * 40)
        repo.head_sha = sha
        with transaction.atomic():
            repo.save()
    except IntegrityError:
        GitRepo.destroy(repo.storage_id)
        raise _exists(repo_type, namespace.name, name) from None
    except BaseException:
        GitRepo.destroy(repo.storage_id)
        raise
    return repo


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
    require_write(user=user, token=token, namespace=repo.namespace)
    storage_id = repo.storage_id
    repo.delete()
    GitRepo.destroy(storage_id)


def repo_refresh(*, repo: Repo, git: GitRepo) -> None:
    """Re-reads the default branch into the row's cached fields after a ref moved."""
    sha = git.ref_target("refs/heads/main") or ""
    card = card_at(git=git, sha=sha) if sha else {}
    Repo.objects.filter(pk=repo.pk).update(
        head_sha=sha, card_data=card, last_modified=timezone.now()
    )
    repo.head_sha, repo.card_data = sha, card
