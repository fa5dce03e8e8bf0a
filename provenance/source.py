"""Reading another Hub-compatible server (another Minihub, huggingface.co): a repo's
revision, its files' LFS metadata (paths-info), and LFS objects through the batch API; or,
from a server that does not speak git, a revision's file list (with each file's git blob id
and LFS sha256) and the files themselves through `resolve`. Every answer is a claim: the
importer checks it against the bytes."""

import hashlib
import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from registry.errors import BadRequest, HubError

_TYPES = {"datasets": "dataset", "spaces": "space"}
_CHUNK = 1024 * 1024
_TIMEOUT = 60
_BATCH = 100


class SourceError(HubError):
    # The source answered wrongly, lied about a hash, or went away: nothing was imported.
    status = 502
    code = "ImportSourceError"


@dataclass(frozen=True)
class Source:
    base: str  # the hub's base URL, e.g. https://huggingface.co
    repo_type: str  # model | dataset | space
    repo_id: str  # namespace/name
    revision: str
    token: str | None = None

    @property
    def web_path(self) -> str:
        prefix = {"model": "", "dataset": "datasets/", "space": "spaces/"}[self.repo_type]
        return f"{self.base}/{prefix}{self.repo_id}"

    @property
    def api_path(self) -> str:
        return f"{self.base}/api/{self.repo_type}s/{self.repo_id}"


def source_parse(spec: str, *, token: str | None = None) -> Source:
    """`https://host[/prefix]/[datasets/|spaces/]namespace/name[@revision]` as a Source."""
    location, _, revision = spec.partition("@")
    parts = urlsplit(location)
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme not in ("http", "https") or not parts.netloc or len(segments) < 2:
        raise BadRequest(f"Not a repo URL: {spec} (expected https://host/namespace/name[@rev])")
    repo_type = "model"
    if len(segments) >= 3 and segments[-3] in _TYPES:
        repo_type = _TYPES[segments[-3]]
        segments = segments[:-1]
    base_path = "/".join(segments[:-2])
    base = f"{parts.scheme}://{parts.netloc}" + (f"/{base_path}" if base_path else "")
    repo_id = "/".join(segments[-2:])
    return Source(base, repo_type, repo_id, revision or "main", token)


def _request(source: Source, url: str, *, body: dict | None = None) -> urllib.request.Request:
    headers = {"User-Agent": "minihub-import"}
    if source.token:
        headers["Authorization"] = f"Bearer {source.token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    return urllib.request.Request(url, data=data, headers=headers)


def _json(source: Source, url: str, *, body: dict | None = None) -> object:
    try:
        with urllib.request.urlopen(_request(source, url, body=body), timeout=_TIMEOUT) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        raise SourceError(f"{url} answered {exc.code}: {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise SourceError(f"{url} could not be read: {exc}") from None


def revision_sha(source: Source) -> str:
    """The commit the source's revision points to."""
    info = _json(source, f"{source.api_path}/revision/{quote(source.revision, safe='')}")
    sha = info.get("sha") if isinstance(info, dict) else None
    if not isinstance(sha, str) or len(sha) != 40:
        raise SourceError(f"{source.web_path} gave no commit for revision {source.revision}")
    return sha


def lfs_claims(source: Source, *, sha: str, paths: list[str]) -> dict[str, str]:
    """What the source's paths-info says each path's LFS sha256 is at `sha`."""
    claims = {}
    for start in range(0, len(paths), _BATCH):
        body = {"paths": paths[start : start + _BATCH]}
        for item in _json(source, f"{source.api_path}/paths-info/{sha}", body=body) or []:
            lfs = item.get("lfs") or {}
            claims[item.get("path")] = lfs.get("sha256") or lfs.get("oid")
    return claims


def object_links(source: Source, objects: list[tuple[str, int]]) -> dict[str, tuple[str, dict]]:
    """oid -> (download URL, headers) from the source's LFS batch API."""
    url = f"{source.web_path}.git/info/lfs/objects/batch"
    links = {}
    for start in range(0, len(objects), _BATCH):
        wanted = [{"oid": oid, "size": size} for oid, size in objects[start : start + _BATCH]]
        body = {"operation": "download", "transfers": ["basic"], "objects": wanted}
        answer = _json(source, url, body=body)
        for item in answer.get("objects", []) if isinstance(answer, dict) else []:
            download = (item.get("actions") or {}).get("download")
            if download:
                links[item["oid"]] = (download["href"], download.get("header") or {})
    return links


def object_chunks(source: Source, href: str, headers: dict) -> Iterator[bytes]:
    """An object's bytes as the source sends them (the caller checks their sha256)."""
    request = urllib.request.Request(href, headers={"User-Agent": "minihub-import", **headers})
    return _chunks(request)


def speaks_git(source: Source) -> bool:
    """Whether the source serves the repo over git's smart HTTP protocol (a Hub does; a
    mirror that serves only the API and files does not)."""
    url = f"{source.web_path}.git/info/refs?service=git-upload-pack"
    try:
        with urllib.request.urlopen(_request(source, url), timeout=_TIMEOUT) as answer:
            kind = answer.headers.get_content_type()
    except urllib.error.HTTPError:
        return False
    except (urllib.error.URLError, OSError) as exc:
        raise SourceError(f"{url} could not be read: {exc}") from None
    return kind == "application/x-git-upload-pack-advertisement"


@dataclass(frozen=True)
class SourceFile:
    """One file of a revision as the source describes it."""

    path: str
    blob: str  # the git blob id (for an LFS file, its pointer's)
    size: int
    sha256: str | None  # an LFS file's object


def revision_files(source: Source, *, sha: str) -> list[SourceFile]:
    """The files of commit `sha`, from the source's `revision/<sha>?blobs=true`."""
    info = _json(source, f"{source.api_path}/revision/{sha}?blobs=true")
    siblings = info.get("siblings") if isinstance(info, dict) else None
    if not isinstance(siblings, list):
        raise SourceError(f"{source.web_path} listed no files for {sha}")
    files = []
    for item in siblings:
        lfs = item.get("lfs") or {}
        path, blob, size = item.get("rfilename"), item.get("blobId"), item.get("size")
        sha256 = lfs.get("sha256") or lfs.get("oid")
        if not (isinstance(path, str) and isinstance(blob, str) and isinstance(size, int)):
            raise SourceError(f"{source.web_path} gave no blob id or size for {path}: "
                              "nothing can be checked, nothing was imported")  # fmt: skip
        if lfs and not (isinstance(sha256, str) and len(sha256) == 64):
            raise SourceError(f"{source.web_path} gave no sha256 for the LFS file {path}")
        files.append(SourceFile(path, blob, int(lfs.get("size", size)), sha256))
    return files


def file_chunks(source: Source, *, sha: str, path: str) -> Iterator[bytes]:
    """A file's bytes through the source's `resolve` route. The token goes to the source
    only, never to where it redirects (a CDN's signed URL needs none)."""
    url = f"{source.web_path}/resolve/{sha}/{quote(path)}"
    request = urllib.request.Request(url, headers={"User-Agent": "minihub-import"})
    if source.token:
        request.add_unredirected_header("Authorization", f"Bearer {source.token}")
    return _chunks(request)


def git_blob_id(size: int) -> "hashlib._Hash":
    """A running git blob id: feed it the file's bytes, then compare `hexdigest()`."""
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(f"blob {size}\0".encode())
    return digest


def _chunks(request: urllib.request.Request) -> Iterator[bytes]:
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT) as answer:
            announced, received = answer.headers.get("Content-Length"), 0
            while chunk := answer.read(_CHUNK):
                received += len(chunk)
                yield chunk
    except urllib.error.HTTPError as exc:
        raise SourceError(f"The source answered {exc.code} for {request.full_url}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise SourceError(f"The source dropped a file mid-transfer: {exc}") from None
    if announced is not None and received < int(announced):
        # http.client ends a read at a closed connection without a word.
        raise SourceError(
            f"The source dropped a file mid-transfer ({received} of {announced} bytes)"
        )
