"""The Xet CAS as hf_xet 1.8.0 calls it, under /xet-cas/ (see docs/architecture.md, Xet).

Bodies are binary with no Content-Type, so views read the request stream themselves.
"""

import json
from collections.abc import Iterator

from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from registry import errors
from registry.serving import RangeRequest
from registry.signals import audit_send, repo_read_audited
from xetstore import services
from xetstore.shard import MAX_SHARD_BYTES
from xetstore.storage import xorb_store
from xetstore.tokens import CasClaims, cas_token_check, fetch_link_check
from xetstore.xorb import MAX_SERIALIZED_XORB

_PIECE = 1024 * 1024


def _claims(request: HttpRequest, *, write: bool) -> CasClaims:
    return cas_token_check(request.headers.get("Authorization", ""), write=write)


def _body(request: HttpRequest, limit: int) -> Iterator[bytes]:
    length = request.META.get("CONTENT_LENGTH", "")
    if length.isdigit() and int(length) > limit:
        raise errors.PayloadTooLarge(f"This body is {length} bytes; the limit is {limit}")
    while piece := request.read(_PIECE):
        yield piece


@csrf_exempt
@require_POST
def xorb_upload(request: HttpRequest, prefix: str, hash: str) -> JsonResponse:
    _claims(request, write=True)
    hash = services.hash_param(hash)
    inserted = services.xorb_receive(hash=hash, pieces=_body(request, MAX_SERIALIZED_XORB))
    return JsonResponse({"was_inserted": inserted})


@csrf_exempt
@require_POST
def xorb_grant(request: HttpRequest, prefix: str, hash: str) -> JsonResponse:
    """hf_xet asks for an upload grant first: 200 means "stored already, skip the upload",
    404 "no grants here, POST the xorb"."""
    _claims(request, write=True)
    if not services.xorb_exists(hash=services.hash_param(hash)):
        raise errors.NotFound("This store takes xorbs at POST /v1/xorbs, not through grants")
    return JsonResponse({})


@csrf_exempt
@require_POST
def shard_upload_v1(request: HttpRequest) -> JsonResponse:
    claims = _claims(request, write=True)
    data = b"".join(_body(request, MAX_SHARD_BYTES))
    for _ in services.shard_register(data=data, claims=claims):
        pass  # no read timeout on this route: nothing to report on the way
    return JsonResponse({"result": 1})


@csrf_exempt
@require_POST
def shard_upload_v2(request: HttpRequest) -> StreamingHttpResponse:
    """NDJSON progress frames, then `result` or `error`. A shard refused by the cheap
    checks is a plain 400 before any frame."""
    claims = _claims(request, write=True)
    data = b"".join(_body(request, MAX_SHARD_BYTES))
    steps = services.shard_register(data=data, claims=claims)
    first = next(steps)
    return StreamingHttpResponse(_frames(first, steps), content_type="application/x-ndjson")


def _frames(first: tuple[int, int], steps: Iterator[tuple[int, int]]) -> Iterator[bytes]:
    def frame(**fields) -> bytes:
        return json.dumps(fields).encode() + b"\n"

    yield frame(type="validating", verified=first[0], total=first[1])
    try:
        for verified, total in steps:
            yield frame(type="validating", verified=verified, total=total)
    except errors.HubError as exc:
        # The status line is sent already: the terminal frame carries the refusal.
        yield frame(type="error", message=exc.message, retryable=exc.status >= 500)
        return
    yield frame(type="result")


def _reconstruction(request: HttpRequest, file_hash: str) -> services.Reconstruction:
    claims = cas_token_check(request.headers.get("Authorization", ""), write=False, files=True)
    file = services.file_readable(file_hash=services.hash_param(file_hash), claims=claims)
    # hf_xet always sends a Range (bytes=0-(size-1) for a whole file); past the end is a 416.
    span = RangeRequest.parse(request, file.size)
    if claims.repo is not None and repo_read_audited(claims.repo):
        # The CAS token names who asked the hub for it; the file is named by its Xet hash.
        audit_send(
            action="repo.read.xet", user=claims.user, repo=claims.repo,
            xetHash=file.file_hash, bytes=span.end - span.start,
        )  # fmt: skip
    return services.reconstruction_plan(request=request, file=file, start=span.start, end=span.end)


def _term_json(term) -> dict:
    return {
        "hash": term.xorb,
        "unpacked_length": term.size,
        "range": {"start": term.start, "end": term.end},
    }


@require_GET
def reconstruction_v1(request: HttpRequest, file_hash: str) -> JsonResponse:
    plan = _reconstruction(request, file_hash)
    fetch_info: dict[str, list] = {}
    for fetch in plan.fetches:
        fetch_info.setdefault(fetch.xorb, []).append({
            "range": {"start": fetch.start, "end": fetch.end},
            "url": fetch.url,
            "url_range": {"start": fetch.byte_start, "end": fetch.byte_end},
        })  # fmt: skip
    return JsonResponse({
        "offset_into_first_range": plan.offset_into_first_range,
        "terms": [_term_json(term) for term in plan.terms],
        "fetch_info": fetch_info,
    })  # fmt: skip


@require_GET
def reconstruction_v2(request: HttpRequest, file_hash: str) -> JsonResponse:
    """One URL per range: hf_xet fetches one range per request unless told otherwise."""
    plan = _reconstruction(request, file_hash)
    xorbs: dict[str, list] = {}
    for fetch in plan.fetches:
        xorbs.setdefault(fetch.xorb, []).append({
            "url": fetch.url,
            "ranges": [{
                "chunks": {"start": fetch.start, "end": fetch.end},
                "bytes": {"start": fetch.byte_start, "end": fetch.byte_end},
            }],
        })  # fmt: skip
    return JsonResponse({
        "offset_into_first_range": plan.offset_into_first_range,
        "terms": [_term_json(term) for term in plan.terms],
        "xorbs": xorbs,
    })  # fmt: skip


@require_GET
def xorb_data(request: HttpRequest, hash: str) -> FileResponse:
    """A signed link's bytes of a stored xorb (local store; a bucket serves its own)."""
    hash = services.hash_param(hash)
    first, last = fetch_link_check(xorb=hash, signed=request.GET.get("t", ""))
    store = xorb_store()
    span = RangeRequest.parse(request, store.size(hash) or 0)
    start, end = (span.start, span.end) if span.partial else (first, last + 1)
    if start < first or end > last + 1:
        raise errors.Forbidden(f"This link covers bytes {first}-{last} only")
    response = FileResponse(
        store.open_range(hash, start, end), status=206, content_type="application/octet-stream"
    )
    response["Content-Length"] = str(end - start)
    response["Content-Range"] = f"bytes {start}-{end - 1}/{span.total}"
    return response


@require_GET
def chunk_dedup(request: HttpRequest, prefix: str, hash: str) -> HttpResponse:
    """hf_xet asks about the first chunk of each file and a few more; 404 is "no match"."""
    claims = _claims(request, write=False)
    shard = services.dedup_shard(chunk_hash=services.hash_param(hash), claims=claims)
    if shard is None:
        raise errors.NotFound("No file you may read holds this chunk")
    return HttpResponse(shard, content_type="application/octet-stream")


@csrf_exempt
@require_POST
def telemetry(request: HttpRequest) -> JsonResponse:
    return JsonResponse({})  # hf_xet's upload summaries: accepted, not kept
