"""Serving a repo's bytes over HTTP: Range requests and zero-copy sendfile through gunicorn.

The interfaces' side of the storage owners: storage (blobs, gitstore, the Xet store) knows
no HTTP, and every response here serves a file the read path (`registry.repofiles`) opened,
or an object a signed LFS link names.
"""

import re
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import quote

from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)

from registry.blobs import blob_store
from registry.errors import NotFound, RangeNotSatisfiable
from registry.repofiles import RepoFile
from registry.request import from_job
from registry.services.objects import object_chunks, object_xet_file

_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class RangeRequest:
    start: int
    end: int  # exclusive
    total: int
    partial: bool

    @classmethod
    def parse(cls, request: HttpRequest, total: int) -> "RangeRequest":
        """The span a `Range: bytes=a-b | a- | -n` header asks for; the whole body otherwise."""
        header = request.headers.get("Range", "").strip()
        match = _RANGE_RE.match(header.replace(" ", ""))
        if not match or not (match[1] or match[2]):
            return cls(0, total, total, False)
        first, last = match[1], match[2]
        if first:
            start = int(first)
            end = min(int(last) + 1, total) if last else total
            if last and int(last) < start:
                return cls(0, total, total, False)
        else:
            start, end = max(total - int(last), 0), total
            if int(last) == 0:
                start = total
        if start >= total or start >= end:
            raise RangeNotSatisfiable(
                f"Range {header} is outside the {total}-byte file",
                headers={"Content-Range": f"bytes */{total}"},
            )
        return cls(start, end, total, True)

    @property
    def status(self) -> int:
        return 206 if self.partial else 200

    def headers(self) -> dict[str, str]:
        headers = {"Content-Length": str(self.end - self.start), "Accept-Ranges": "bytes"}
        if self.partial:
            headers["Content-Range"] = f"bytes {self.start}-{self.end - 1}/{self.total}"
        return headers


class _Span:
    """A file positioned at the span's start that reads no further than its end.

    gunicorn sends it with os.sendfile from the fd's offset for Content-Length bytes; any
    other server reads it chunk by chunk.
    """

    def __init__(self, handle: BinaryIO, start: int, length: int):
        handle.seek(start)
        self._handle = handle
        self._left = length

    def fileno(self) -> int:
        return self._handle.fileno()

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._handle.read(size)
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._handle.close()


def content_disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
    return f"inline; filename*=UTF-8''{quote(filename)}; filename=\"{ascii_name}\""


def object_response(
    request: HttpRequest, oid: str, size: int, *, headers: dict[str, str], filename: str
) -> HttpResponse:
    """HEAD or GET of LFS object `oid`: its blob, else its Xet file.

    A Xet-only object streams through the hub even with a bucket: its bytes are rebuilt from
    xorbs, so no presigned URL can serve them.
    """
    if blob_store().size(oid) == size:
        return blob_response(request, oid, size, headers=headers, filename=filename)
    file = object_xet_file(oid=oid, size=size)
    if file is None:
        raise NotFound(f"Object {oid} is missing from storage")
    span = RangeRequest.parse(request, size)
    if request.method == "HEAD":
        return _ranged(HttpResponse(b""), span, headers, filename)
    body = object_chunks(file=file, start=span.start, end=span.end)
    return _ranged(StreamingHttpResponse(body), span, headers, filename)


def blob_response(
    request: HttpRequest, oid: str, size: int, *, headers: dict[str, str], filename: str
) -> HttpResponse:
    """HEAD or GET of a stored blob, whole or a range, never read into memory.

    From a bucket, a 302 to a presigned URL: the client reads the file's metadata from the
    redirect itself (it is cross-origin), and sends its Range on to the bucket. Not for a
    job, which reaches nothing but the hub: the hub streams the bytes to it.
    """
    store = blob_store()
    if store.direct and not from_job(request):
        url = store.download_url(oid, disposition=content_disposition(filename))
        response = HttpResponseRedirect(url)
        for key, value in headers.items():
            response[key] = value
        return response
    span = RangeRequest.parse(request, size)
    if request.method == "HEAD":
        return _ranged(HttpResponse(b""), span, headers, filename)
    body = _Span(store.open(oid), span.start, span.end - span.start)
    return _ranged(FileResponse(body), span, headers, filename)


def _ranged(
    response: HttpResponse, span: RangeRequest, headers: dict[str, str], filename: str
) -> HttpResponse:
    """`response` as the bytes of `span` of the file `filename`, with the caller's headers."""
    response.status_code = span.status
    response["Content-Type"] = "application/octet-stream"
    disposition = {"Content-Disposition": content_disposition(filename)}
    for key, value in {**headers, **span.headers(), **disposition}.items():
        response[key] = value
    return response


def file_response(request: HttpRequest, file: RepoFile, *, headers: dict[str, str]) -> HttpResponse:
    """HEAD or GET of a repo file opened by the read path, whole or a range."""
    if file.lfs is not None:
        return object_response(
            request, file.lfs.oid, file.lfs.size, headers=headers, filename=file.name
        )
    span = RangeRequest.parse(request, file.size)
    if request.method == "HEAD":
        return _ranged(HttpResponse(b""), span, headers, file.name)
    body = StreamingHttpResponse(file.chunks(span.start, span.end))
    return _ranged(body, span, headers, file.name)
