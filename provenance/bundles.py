"""Offline bundles for air-gapped hubs: one tar file holding a repo's git history (a git
bundle of its branches and tags), the LFS objects that history points to, and a manifest
(`manifest.json`, the first member) with every member's sha256 and size, the signature
verdicts this hub recorded, its scanner's verdict on each file at the exported commit, and
where the repo came from. An import checks every byte against the manifest, and every
object against its pointer, before anything is published; any difference refuses the whole
bundle. The importing hub does not take the bundle's scan verdicts on trust: it scans the
files itself before publishing (so the repo arrives with verdicts, and an organization's
scan requirement holds), and reports where its verdict differs from the bundle's."""

import hashlib
import json
import re
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from provenance.importing import repo_publish_new, repo_source_record
from provenance.models import RepoSource, SignatureCheck
from provenance.selectors import repo_source_info
from registry.blobs import blob_store
from registry.errors import BadRequest, HubError
from registry.gitstore import ZERO_OID, GitRepo, RefConflict
from registry.gitstore.fsck import reachable_pointers
from registry.gitstore.mirror import bundle_write, fetch_local
from registry.models import Repo, User
from registry.services.objects import object_path
from registry.services.scans import verdicts_ensure, verdicts_of

FORMAT = "minihub-bundle/1"
MANIFEST = "manifest.json"
HISTORY = "history.bundle"
_OBJECT = re.compile(r"^objects/([0-9a-f]{64})$")
_MANIFEST_MAX = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
MAIN = "refs/heads/main"


class BundleRefused(BadRequest):
    code = "BundleRefused"


def bundle_export(*, repo: Repo, rev: str, dest: Path) -> str:
    """Writes `repo` (main at `rev`'s commit) to the bundle file `dest`, whole or not at
    all; returns the file's sha256, for the operator to carry apart from it."""
    git = GitRepo(repo.storage_id)
    sha = git.resolve(rev)
    pointers = sorted(reachable_pointers(git), key=lambda p: p.oid)
    with tempfile.TemporaryDirectory(dir=settings.HUB_DATA_DIR) as scratch:
        history = Path(scratch) / HISTORY
        bundle_write(git, history)
        members = {HISTORY: history}
        for pointer in pointers:
            source = object_path(oid=pointer.oid, size=pointer.size)
            if not source.is_file():
                raise BundleRefused(f"{repo.repo_id} lacks LFS object {pointer.oid}: not exported")
            members[f"objects/{pointer.oid}"] = source
        manifest = _manifest(repo=repo, rev=rev, sha=sha, members=members)
        partial = dest.with_name(dest.name + ".partial")
        _tar_write(partial, manifest, members)
        partial.replace(dest)
    return _file_sha256(dest)


def _manifest(*, repo: Repo, rev: str, sha: str, members: dict[str, Path]) -> bytes:
    checks = SignatureCheck.objects.filter(repo=repo).exclude(status=SignatureCheck.Status.PENDING)
    return json.dumps({
        "format": FORMAT,
        "repo": {"type": repo.type, "id": repo.repo_id},
        "revision": rev,
        "commit": sha,
        "exportedAt": timezone.now().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "source": repo_source_info(repo=repo),
        "signatures": [{"commit": c.commit, "status": c.status, "signer": c.signer,
                        "reason": c.reason} for c in checks],
        "scans": _scans(repo=repo, sha=sha),
        "members": {name: {"sha256": _file_sha256(path), "size": path.stat().st_size}
                    for name, path in members.items()},
    }, indent=1).encode()  # fmt: skip


def _scans(*, repo: Repo, sha: str) -> dict[str, dict]:
    """path -> this hub's verdict, for each file at `sha` scanned so far."""
    files = [e for e in GitRepo(repo.storage_id).list_tree(sha, recursive=True) if e.type == "file"]
    return {path: {"status": row.status, "level": row.level, "imports": row.imports}
            for path, row in sorted(verdicts_of(entries=files).items())}  # fmt: skip


def _scans_compare(*, staging: GitRepo, sha: str, manifest: dict) -> list[str]:
    """Scans the files at `sha` now (verdicts are kept by content: the published repo has
    them at once) and lists where this hub's verdict differs from the bundle's."""
    files = [e for e in staging.list_tree(sha, recursive=True) if e.type == "file"]
    ours = verdicts_ensure(git=staging, entries=files)
    claimed = manifest.get("scans") if isinstance(manifest.get("scans"), dict) else {}
    differences = []
    for path, row in sorted(ours.items()):
        theirs = claimed.get(path)
        if isinstance(theirs, dict) and theirs.get("status") != row.status:
            differences.append(
                f"{path}: the bundle says {theirs.get('status')}, this hub's scan {row.status}"
            )
    return differences


def _tar_write(dest: Path, manifest: bytes, members: dict[str, Path]) -> None:
    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(manifest)
        tar.addfile(info, _Reader(manifest))
        for name, path in members.items():
            tar.add(path, arcname=name, recursive=False)


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.at + size
        chunk, self.at = self.data[self.at : end], min(end, len(self.data))
        return chunk


def bundle_import(
    *, user: User, path: Path, to: str | None = None, expect_sha256: str | None = None,
    report: Callable[[str], None] = lambda line: None,
) -> Repo:  # fmt: skip
    """Publishes the bundle at `path` as `to` (default: the exported repo's id) once all of
    it checks out: the file's sha256 if given, every member against the manifest, nothing
    missing or extra, the git bundle whole, every LFS object its history points to present
    and hashing to its pointer. Otherwise BundleRefused, and nothing is visible. Each file
    whose scan verdict here differs from the bundle's is `report`ed (this hub's governs)."""
    if expect_sha256 and _file_sha256(path) != expect_sha256.lower():
        raise BundleRefused("The bundle's sha256 is not the one expected: refused whole")
    with tempfile.TemporaryDirectory(dir=settings.HUB_DATA_DIR) as scratch:
        manifest, members = _unpack(path, Path(scratch))
        staging_id = uuid.uuid4()
        staging = GitRepo.init(staging_id)
        try:
            pointers = _stage(staging=staging, history=members[HISTORY], manifest=manifest)
            missing = [p.oid for p in pointers if f"objects/{p.oid}" not in members]
            if missing:
                raise BundleRefused(f"The bundle lacks LFS object {missing[0]}: refused whole")
            for pointer in pointers:
                _object_store(members[f"objects/{pointer.oid}"], pointer.oid, pointer.size)
            for line in _scans_compare(staging=staging, sha=manifest["commit"], manifest=manifest):
                report(f"Scan verdicts differ: {line}")
            repo = repo_publish_new(
                user=user, repo_id=to or manifest["repo"]["id"], repo_type=manifest["repo"]["type"],
                private=None, staging=staging, sha=manifest["commit"], objects=pointers,
            )  # fmt: skip
        finally:
            GitRepo.destroy(staging_id)
    repo_source_record(
        repo=repo, url=path.name, source_repo=manifest["repo"]["id"],
        revision=manifest["revision"], sha=manifest["commit"], via=RepoSource.Via.BUNDLE,
    )  # fmt: skip
    return repo


def _unpack(path: Path, scratch: Path) -> tuple[dict, dict[str, Path]]:
    """The manifest and every member, written to `scratch`, each checked against it."""
    try:
        with tarfile.open(path, "r|") as tar:
            members = _tar_members(tar)
            first = next(members, None)
            if first is None or first[0].name != MANIFEST or first[0].size > _MANIFEST_MAX:
                raise BundleRefused(f"Not a bundle: {MANIFEST} is not its first member")
            manifest = _manifest_parse(first[1].read())
            written = {}
            for info, handle in members:
                written[info.name] = _member_write(info, handle, scratch, manifest)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BundleRefused(f"The bundle is cut short or damaged ({exc}): refused whole") from None
    absent = sorted(set(manifest["members"]) - set(written))
    if absent:
        raise BundleRefused(f"The bundle lacks {absent[0]}, which its manifest lists")
    return manifest, written


def _tar_members(tar: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, object]]:
    for info in tar:
        if not info.isfile():
            raise BundleRefused(f"The bundle holds {info.name}, which is not a file")
        yield info, tar.extractfile(info)


def _manifest_parse(data: bytes) -> dict:
    try:
        manifest = json.loads(data)
    except ValueError:
        raise BundleRefused(f"The bundle's {MANIFEST} is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleRefused(f"Not a {FORMAT} bundle")
    if not re.fullmatch(r"[0-9a-f]{40}", str(manifest.get("commit"))):
        raise BundleRefused("The bundle's manifest names no commit")
    if HISTORY not in (manifest.get("members") or {}):
        raise BundleRefused(f"The bundle's manifest lists no {HISTORY}")
    return manifest


def _member_write(info: tarfile.TarInfo, handle, scratch: Path, manifest: dict) -> Path:
    """Writes one member to `scratch` while hashing it; refused unless the manifest lists it
    with this sha256 and size."""
    expected = manifest["members"].get(info.name)
    if expected is None or not (info.name == HISTORY or _OBJECT.match(info.name)):
        raise BundleRefused(f"The bundle holds {info.name}, which its manifest does not list")
    target = scratch / info.name.replace("/", "-")
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    if (digest.hexdigest(), size) != (expected.get("sha256"), expected.get("size")):
        raise BundleRefused(f"{info.name} differs from the bundle's manifest: refused whole")
    return target


def _stage(*, staging: GitRepo, history: Path, manifest: dict) -> list:
    """The git bundle fetched into staging (git checks it whole), main at the manifest's
    commit; returns every LFS pointer its history holds."""
    try:
        fetch_local(staging, history)
        staging.update_ref(MAIN, manifest["commit"], staging.ref_target(MAIN) or ZERO_OID)
    except (HubError, RefConflict) as exc:
        raise BundleRefused(f"The bundle's git history does not check out: {exc}") from None
    return sorted(reachable_pointers(staging), key=lambda p: p.oid)


def _object_store(path: Path, oid: str, size: int) -> None:
    try:
        with path.open("rb") as handle:
            blob_store().put(oid, iter(lambda: handle.read(_CHUNK), b""), size=size)
    except HubError:
        raise BundleRefused(f"LFS object {oid} in the bundle is not its pointer's") from None


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
