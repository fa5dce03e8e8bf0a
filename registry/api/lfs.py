"""Git LFS batch API at {prefix}{repo}.git/info/lfs/, and the signed transfer links it hands out."""

import json
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_http_methods, require_POST

from registry import errors
from registry.request import (
    base_url,
    caller,
    from_job,
    read_token_allowed,
    repo_read_audit,
    repo_url,
    web_repo,
)
from registry.services import lfs
from registry.serving import object_response

LFS_JSON = "application/vnd.git-lfs+json"
_READ_CHUNK = 1024 * 1024


def _json(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise errors.BadRequest("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise errors.BadRequest("The request body must be a JSON object")
    return body


def _lfs_response(body: dict) -> JsonResponse:
    return JsonResponse(body, content_type=LFS_JSON)


def _stream(request: HttpRequest) -> Iterator[bytes]:
    while chunk := request.read(_READ_CHUNK):
        yield chunk


@read_token_allowed
@require_POST
def batch(request: HttpRequest, namespace: str, name: str, prefix: str | None = None):
    repo = web_repo(request, prefix, namespace, name)
    user, token = caller(request)
    body = _json(request)
    objects = body.get("objects")
    if not isinstance(objects, list):
        raise errors.BadRequest("'objects' must be a list")
    base = base_url(request)
    expires = settings.HUB_LFS_LINK_SECONDS
    job = from_job(request)  # it reaches the hub only: no bucket links

    def links(kind: str, oid: str, size: int) -> dict:
        if kind == "download":
            # The bytes may come straight from object storage: the link is the read.
            repo_read_audit(request, repo, action="repo.read.lfs", oid=oid, bytes=size)
            href = None if job else lfs.download_url(oid=oid, size=size)
            if href is None:
                signed = lfs.sign_download(repo=repo, oid=oid, user=user, token=token)
                href = f"{base}/lfs/objects/{oid}?token={signed}"
            return {"download": {"href": href, "expires_in": expires}}
        multipart = "multipart" in body.get("transfers", [])
        plan = lfs.upload_plan(repo=repo, oid=oid, size=size, multipart=multipart, through_hub=job)
        signed = plan.token
        # git-lfs sends no credentials with the actions of an `authenticated` object, so
        # the verify link authorises itself like the upload link.
        verify = {"href": f"{repo_url(request, repo)}.git/info/lfs/objects/verify?token={signed}"}
        if plan.chunk is None:
            href = plan.put_url or f"{base}/lfs/upload/{oid}?token={signed}"
            upload = {"href": href, "expires_in": expires}
        else:
            urls = plan.part_urls or [
                f"{base}/lfs/part/{oid}/{n}?token={signed}"
                for n in range(1, lfs.part_count(size, plan.chunk) + 1)
            ]
            parts = {str(n): url for n, url in enumerate(urls, start=1)}
            upload = {
                # Completion is always the hub's: it completes the bucket's upload itself.
                "href": f"{base}/lfs/complete/{oid}?token={signed}",
                "header": {"chunk_size": str(plan.chunk), **parts},
                "expires_in": expires,
            }
        return {"upload": upload, "verify": verify}

    answers = lfs.batch(
        user=user,
        token=token,
        repo=repo,
        operation=body.get("operation"),
        objects=objects,
        links=links,
    )
    multipart = any("header" in a.get("actions", {}).get("upload", {}) for a in answers)
    transfer = "multipart" if multipart else "basic"
    return _lfs_response({"transfer": transfer, "objects": answers, "hash_algo": "sha256"})


@read_token_allowed
@require_POST
def verify(request: HttpRequest, namespace: str, name: str, prefix: str | None = None):
    body = _json(request)
    oid, signed = str(body.get("oid")), request.GET.get("token")
    if signed:
        repo = lfs.upload_claims(signed=signed, oid=oid)
    else:
        repo = web_repo(request, prefix, namespace, name)
    lfs.verify(repo=repo, oid=oid, size=body.get("size"), signed=signed)
    return _lfs_response({"message": "ok"})


def locks(request: HttpRequest, namespace: str, name: str, prefix: str | None = None):
    # git-lfs asks before every push; a 501 makes it turn lock verification off for this
    # remote quietly, where a 404 prints advice to do so by hand.
    web_repo(request, prefix, namespace, name)
    raise errors.NotImplementedByHub("Git LFS file locking is not supported by Minihub")


@read_token_allowed
@require_http_methods(["PUT"])
def upload(request: HttpRequest, oid: str):
    lfs.upload_receive(signed=request.GET.get("token", ""), oid=oid, chunks=_stream(request))
    return HttpResponse(status=200)


@read_token_allowed
@require_http_methods(["PUT"])
def upload_part(request: HttpRequest, oid: str, number: int):
    etag = lfs.part_receive(
        signed=request.GET.get("token", ""), oid=oid, number=number, chunks=_stream(request)
    )
    response = HttpResponse(status=200)
    response["ETag"] = f'"{etag}"'
    return response


@read_token_allowed
@require_POST
def upload_complete(request: HttpRequest, oid: str):
    body = _json(request)
    parts = body.get("parts")
    if body.get("oid") != oid or not isinstance(parts, list):
        raise errors.BadRequest("The completion body needs this object's oid and its parts")
    lfs.multipart_complete(signed=request.GET.get("token", ""), oid=oid, parts=parts)
    return _lfs_response({"message": "ok"})


@require_http_methods(["GET", "HEAD"])
def download(request: HttpRequest, oid: str):
    size = lfs.download_claims(signed=request.GET.get("token", ""), oid=oid)
    return object_response(request, oid, size, headers={"ETag": f'"{oid}"'}, filename=oid)
