"""GET /api/{models,datasets,spaces}/{namespace}/{name}/compare/{base}...{head}: the compare
page's data as JSON (the page's script polls it for a data diff's progress)."""

from django.http import HttpRequest, JsonResponse

from compare import selectors
from compare.revisions import spec_parse
from compare.serialize import comparison_json
from registry import errors
from registry.request import api_repo, caller


def compare(
    request: HttpRequest, repo_type: str, namespace: str, name: str, spec: str
) -> JsonResponse:
    if request.method not in ("GET", "HEAD"):
        raise errors.MethodNotAllowed()
    repo = api_repo(request, repo_type, namespace, name)
    base_rev, head_rev = spec_parse(request, spec)
    user, token = caller(request)
    comparison = selectors.comparison_get(
        user=user, token=token, repo=repo, base_rev=base_rev, head_rev=head_rev
    )
    return JsonResponse(comparison_json(comparison))
