"""The compare pages: pick two revisions, see what changed, ask for a tensor data diff."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from compare import selectors
from compare.revisions import spec_parse, spec_url
from compare.services import tensor_diff_request
from registry import errors
from registry.request import caller, web_repo
from registry.web.views.common import repo_base, repo_header


def pick(
    request: HttpRequest, namespace: str, name: str, prefix: str | None = None
) -> HttpResponse:
    """A form of two revisions (the commits page sends its choice here), or its answer."""
    repo = web_repo(request, prefix, namespace, name)
    base, head = request.GET.get("base", "").strip(), request.GET.get("head", "").strip()
    if base and head:
        return redirect(spec_url(repo_base(repo), base, head))
    context = {"header": repo_header(request, repo, tab="commits"), "base": base, "head": head}
    return render(request, "compare/pick.html", context)


def compare(
    request: HttpRequest, namespace: str, name: str, spec: str, prefix: str | None = None
) -> HttpResponse:
    """GET: the comparison. POST (`path`): ask for that file's tensor data diff, then back to
    the page (or, for the page's script, the diff's state as JSON)."""
    if request.method not in ("GET", "HEAD", "POST"):
        raise errors.MethodNotAllowed()
    repo = web_repo(request, prefix, namespace, name)
    base_rev, head_rev = spec_parse(request, spec)
    user, token = caller(request)
    page_url = spec_url(repo_base(repo), base_rev, head_rev)
    if request.method == "POST":
        path = request.POST.get("path", "")
        diff = tensor_diff_request(
            user=user, token=token, repo=repo, base=base_rev, head=head_rev, path=path
        )
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse(diff.as_dict())
        # See Other: a reload of the page it lands on must not ask again.
        answer = redirect(f"{page_url}#data-{path}")
        answer.status_code = 303
        return answer
    context = {
        "header": repo_header(request, repo, tab="commits"),
        "comparison": selectors.comparison_get(
            user=user, token=token, repo=repo, base_rev=base_rev, head_rev=head_rev
        ),
        "api_url": spec_url(f"/api/{repo.type}s/{repo.repo_id}", base_rev, head_rev),
    }
    return render(request, "compare/compare.html", context)
