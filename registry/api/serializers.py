"""The JSON shapes huggingface_hub reads (ModelInfo, RepoFile, RepoFolder, ...)."""

from datetime import UTC, datetime

from registry.cards import card_tags
from registry.gitstore import CommitInfo, Entry, GitRepo
from registry.models import FileScan, Repo

# Imports are listed only for the formats whose loading runs a pickle.
_PICKLE_KINDS = {"pickle", "zip", "npy"}


def iso(moment: datetime) -> str:
    """UTC with milliseconds and a trailing Z: the only form the client parses."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def entry_json(entry: Entry, last_commit: CommitInfo | None = None) -> dict:
    if entry.type == "directory":
        body = {"type": "directory", "oid": entry.oid, "size": 0, "path": entry.path}
    else:
        body = {"type": "file", "oid": entry.oid, "size": entry.size, "path": entry.path}
    if last_commit is not None:
        body["lastCommit"] = {
            "id": last_commit.id,
            "title": last_commit.title,
            "date": iso(last_commit.date),
        }
    if entry.type == "directory":
        return body
    if entry.lfs is not None:
        body["lfs"] = {
            "oid": entry.lfs.oid,
            "size": entry.lfs.size,
            "pointerSize": entry.lfs.pointer_size,
        }
    return body


def security_json(verdict: FileScan | None) -> dict:
    """`securityFileStatus`: "queued" until a worker scanned the file. `avScan` is null: no
    antivirus runs here, and a `virusFound: false` would claim one did."""
    if verdict is None:
        return {"status": "queued", "avScan": None, "pickleImportScan": None}
    imports = None
    if verdict.kind in _PICKLE_KINDS:
        imports = {"highestSafetyLevel": verdict.level, "imports": verdict.imports}
    return {"status": verdict.status, "avScan": None, "pickleImportScan": imports}


def sibling_json(entry: Entry, *, blobs: bool) -> dict:
    body = {"rfilename": entry.path}
    if blobs:
        body["size"] = entry.size
        body["blobId"] = entry.oid
        if entry.lfs is not None:
            body["lfs"] = {
                "size": entry.lfs.size,
                "sha256": entry.lfs.oid,
                "pointerSize": entry.lfs.pointer_size,
            }
    return body


def repo_info_json(repo: Repo, git: GitRepo, sha: str, *, card: dict, blobs: bool) -> dict:
    files = [e for e in git.list_tree(sha, recursive=True) if e.type == "file"]
    commit = git.commit_info(sha)
    body = {
        "_id": str(repo.storage_id),
        "id": repo.repo_id,
        "author": repo.namespace.name,
        "sha": sha,
        "lastModified": iso(commit.date),
        "createdAt": iso(repo.created_at),
        "private": repo.private,
        "gated": repo.gated or False,
        "disabled": False,
        "downloads": repo.downloads,
        "downloadsAllTime": repo.downloads,
        "likes": repo.likes,
        "trendingScore": repo.trending_score,
        "tags": card_tags(card, repo_type=repo.type),
        "cardData": card,
        "siblings": [sibling_json(entry, blobs=blobs) for entry in files],
    }
    if repo.type == Repo.Type.MODEL:
        body["pipeline_tag"] = card.get("pipeline_tag")
        body["library_name"] = card.get("library_name")
        body["model-index"] = card.get("model-index")
    if repo.type == Repo.Type.SPACE:
        body["sdk"] = card.get("sdk")
        body["runtime"] = {"stage": "NO_APP_FILE", "hardware": None}
    if blobs:
        body["usedStorage"] = sum(entry.size for entry in files)
    return body
