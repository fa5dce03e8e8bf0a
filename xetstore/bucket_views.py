"""The Hub's Storage Buckets API, as huggingface_hub's create_bucket, bucket_info,
list_buckets, delete_bucket, list_bucket_tree, get_bucket_paths_info, batch_bucket_files and
download_bucket_files (and `hf buckets`) call it. `me` names the caller's own namespace."""

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from registry import errors
from registry.models import Namespace
from registry.request import actor, base_url, caller, parse_json_body, read_token_allowed
from registry.serving import RangeRequest
from xetstore.buckets import (
    bucket_batch,
    bucket_create,
    bucket_delete,
    bucket_file_get,
    bucket_get,
    bucket_json,
    bucket_paths_info,
    bucket_tree,
    buckets_of,
)
from xetstore.files import read_range
from xetstore.services import cas_url
from xetstore.tokens import cas_token_bucket_issue

_VISIBILITY = {"public": False, "private": True}


def _namespace(request: HttpRequest, name: str) -> Namespace:
    if name == "me":
        user, _ = caller(request)
        if not user.is_authenticated:
            raise errors.AuthenticationRequired()
        return user.namespace
    found = Namespace.objects.filter(name__iexact=name).first()
    if found is None:
        raise errors.NotFound(f"Namespace {name} not found")
    return found


@require_http_methods(["GET", "POST", "DELETE"])
def bucket(request: HttpRequest, namespace: str, bucket_name: str) -> JsonResponse:
    """POST creates (`{visibility}`), GET tells, DELETE deletes."""
    who = actor(request)
    if request.method == "POST":
        target = _namespace(request, namespace)
        visibility = parse_json_body(request).get("visibility", "public")
        if visibility not in _VISIBILITY:
            raise errors.BadRequest("visibility must be 'public' or 'private'")
        made = bucket_create(
            actor=who, namespace=target, name=bucket_name, private=_VISIBILITY[visibility],
            base_url=base_url(request),
        )  # fmt: skip
        url = f"{base_url(request)}/buckets/{made.bucket_id}"
        return JsonResponse({"url": url, "id": made.bucket_id, "name": made.name})
    found = bucket_get(actor=who, namespace=_namespace(request, namespace).name, name=bucket_name)
    if request.method == "DELETE":
        bucket_delete(actor=who, bucket=found)
        return JsonResponse({})
    return JsonResponse(bucket_json(found))


@require_GET
def buckets(request: HttpRequest, namespace: str) -> JsonResponse:
    target = _namespace(request, namespace)
    found = buckets_of(actor=actor(request), namespace=target, search=request.GET.get("search"))
    return JsonResponse([bucket_json(item) for item in found], safe=False)


@require_GET
def tree(request: HttpRequest, namespace: str, bucket_name: str, prefix: str = "") -> JsonResponse:
    found = bucket_get(actor=actor(request), namespace=namespace, name=bucket_name)
    recursive = request.GET.get("recursive", "").lower() in {"1", "true"}
    entries = bucket_tree(bucket=found, prefix=prefix or "", recursive=recursive)
    return JsonResponse(entries, safe=False)


@read_token_allowed
@require_POST
def paths_info(request: HttpRequest, namespace: str, bucket_name: str) -> JsonResponse:
    found = bucket_get(actor=actor(request), namespace=namespace, name=bucket_name)
    paths = parse_json_body(request).get("paths")
    return JsonResponse(bucket_paths_info(bucket=found, paths=paths), safe=False)


@require_POST
def batch(request: HttpRequest, namespace: str, bucket_name: str) -> JsonResponse:
    """NDJSON operations; 200 with the failed ones listed, 422 when every one failed."""
    found = bucket_get(actor=actor(request), namespace=namespace, name=bucket_name)
    lines = list(iter(request.readline, b""))
    failed = bucket_batch(actor=actor(request), bucket=found, lines=iter(lines))
    sent = sum(1 for line in lines if line.strip())
    status = 422 if failed and len(failed) == sent else 200
    return JsonResponse({"failed": failed}, status=status)


@require_GET
def xet_token(request: HttpRequest, namespace: str, bucket_name: str, kind: str) -> JsonResponse:
    """hf_xet reads the JSON body; huggingface_hub the headers."""
    found = bucket_get(actor=actor(request), namespace=namespace, name=bucket_name)
    user, token = caller(request)
    issued = cas_token_bucket_issue(user=user, token=token, bucket=found, write=kind == "write")
    url = cas_url(request)
    response = JsonResponse({"accessToken": issued.value, "exp": issued.exp, "casUrl": url})
    response["X-Xet-Cas-Url"] = url
    response["X-Xet-Access-Token"] = issued.value
    response["X-Xet-Token-Expiration"] = str(issued.exp)
    return response


@require_http_methods(["GET", "HEAD"])
def resolve(request: HttpRequest, namespace: str, bucket_name: str, path: str) -> HttpResponse:
    """A file's bytes (Range honoured), with the Xet headers huggingface_hub reads for
    download_bucket_files: its hash and where to get a read token."""
    found = bucket_get(actor=actor(request), namespace=namespace, name=bucket_name)
    item = bucket_file_get(bucket=found, path=path)
    file = item.file
    span = RangeRequest.parse(request, file.size)
    body = read_range(file, span.start, span.end) if request.method == "GET" else iter(())
    response = StreamingHttpResponse(body, status=206 if span.partial else 200)
    response["Content-Type"] = "application/octet-stream"
    response["Content-Length"] = str(span.end - span.start)
    response["Accept-Ranges"] = "bytes"
    if span.partial:
        response["Content-Range"] = f"bytes {span.start}-{span.end - 1}/{file.size}"
    response["ETag"] = f'"{file.sha256}"'
    response["X-Linked-Size"] = str(file.size)
    response["X-Xet-Hash"] = file.file_hash
    token_url = f"{base_url(request)}/api/buckets/{found.bucket_id}/xet-read-token"
    info_url = f"{cas_url(request)}/v1/reconstructions/{file.file_hash}"
    response["Link"] = f'<{token_url}>; rel="xet-auth", <{info_url}>; rel="xet-reconstruction-info"'
    return response
