from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import errors
from registry.api.serializers import repo_info_json
from registry.cards import InvalidCard, card_metadata_check, card_schema_check
from registry.models import Repo
from registry.permissions import Action, Actor, require
from registry.request import (
    api_repo,
    base_url,
    caller,
    open_git,
    query_bool,
    read_token_allowed,
    repo_url,
)
from registry.selectors import (
    card_at,
    model_base_models,
    model_children,
    repo_get_visible,
)
from registry.services.repos import (
    RepoExists,
    repo_create,
    repo_delete,
    repo_move,
    repo_update_settings,
)
from registry.services.scans import safetensors_parameters, security_repo_status
from registry.signals import repo_info_extras
from xetstore.services import cas_url
from xetstore.tokens import cas_token_issue

_VISIBILITY = {"public": False, "private": True}


def _requested_private(body: dict) -> bool | None:
    # huggingface_hub 2.x sends `visibility`; older clients send `private`; neither: the
    # namespace's default.
    if "visibility" in body and body["visibility"] is not None:
        if body["visibility"] not in _VISIBILITY:
            raise errors.BadRequest("visibility must be 'public' or 'private'")
        return _VISIBILITY[body["visibility"]]
    if body.get("private") is None:
        return None
    return bool(body["private"])


class RepoCreateView(APIView):
    def post(self, request: Request) -> Response:
        user, token = caller(request)
        if not user.is_authenticated:
            raise errors.AuthenticationRequired()
        body = request.data
        try:
            repo = repo_create(
                user=user,
                token=token,
                name=body.get("name"),
                organization=body.get("organization"),
                repo_type=body.get("type") or "model",
                private=_requested_private(body),
                space_sdk=body.get("sdk"),
            )
        except RepoExists as exc:
            # create_repo(exist_ok=True) reads `url` from the 409 body.
            exc.body["url"] = repo_url(request, exc.repo)
            raise
        return Response(
            {"url": repo_url(request, repo), "name": repo.repo_id, "id": str(repo.storage_id)}
        )


class RepoDeleteView(APIView):
    def delete(self, request: Request) -> Response:
        user, token = caller(request)
        body = request.data
        namespace = body.get("organization") or (user.username if user.is_authenticated else "")
        repo = repo_get_visible(
            user=user,
            repo_type=body.get("type") or "model",
            namespace=namespace,
            name=body.get("name") or "",
            follow_moves=False,
        )
        repo_delete(user=user, token=token, repo=repo)
        return Response({})


def repo_route_unknown(request: HttpRequest, repo_type: str, rest: str) -> HttpResponse:
    """Any other path under /api/{models,datasets,spaces}/. A repo id without a namespace
    (`list_repo_commits("gpt2")`) names no repo here: RepositoryNotFoundError, as the client
    expects; a route the API lacks under an existing repo stays a plain 404."""
    namespace, _, tail = rest.partition("/")
    api_repo(request, repo_type, namespace, tail.partition("/")[0])
    raise errors.NotFound(f"No route for {request.path}")


class RepoInfoView(APIView):
    def http_method_not_allowed(self, request: Request, *args, **kwargs) -> Response:
        # `unlike("name")` DELETEs /api/models/name/like, which reads as repo `name/like`:
        # a missing repo is the client's RepositoryNotFoundError, not a 405.
        api_repo(request, kwargs["repo_type"], kwargs["namespace"], kwargs["name"])
        return super().http_method_not_allowed(request, *args, **kwargs)

    def get(
        self, request: Request, repo_type: str, namespace: str, name: str, rev: str | None = None
    ) -> Response:
        repo = api_repo(request, repo_type, namespace, name)
        git = open_git(repo)
        sha = git.resolve(rev or "main")
        # The row caches main's card: only other revisions read the README again.
        card = repo.card_data if sha == repo.head_sha else card_at(git=git, sha=sha)
        body = repo_info_json(repo, git, sha, card=card, blobs=query_bool(request, "blobs"))
        expand = frozenset(request.GET.getlist("expand"))
        if repo.type == Repo.Type.MODEL:
            body.update(_model_tree(request, repo, card, body, expand))
            body.update(_model_security(request, git, sha, expand))
        body.update(
            repo_info_extras(
                repo=repo, base_url=base_url(request), user=request.user, expand=expand
            )
        )
        return Response(body)


def _model_tree(request: Request, repo: Repo, card: dict, body: dict, expand: frozenset) -> dict:
    """`baseModels` and `childrenModelCount`, answered when expanded (as on the Hub)."""
    tree: dict = {}
    if "baseModels" in expand:
        paths = [sibling["rfilename"] for sibling in body["siblings"]]
        tree["baseModels"] = model_base_models(card=card, paths=paths)
    if "childrenModelCount" in expand:
        tree["childrenModelCount"] = model_children(user=request.user, repo=repo).count()
    return tree


def _model_security(request: Request, git, sha: str, expand: frozenset) -> dict:
    """`securityRepoStatus` when asked (`securityStatus=true`); `safetensors` by default, as
    on the Hub, or when expanded."""
    fields: dict = {}
    if query_bool(request, "securityStatus") or "securityRepoStatus" in expand:
        fields["securityRepoStatus"] = security_repo_status(git=git, sha=sha)
    if not expand or "safetensors" in expand:
        fields["safetensors"] = safetensors_parameters(git=git, sha=sha)
    return fields


@read_token_allowed
class ValidateYamlView(APIView):
    """Always answers JSON: the client calls .json() before it looks at the status. A bad card
    is an InvalidCard, whose 400 body carries the `errors` the client prints."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple:
        # JSON whatever the Accept header asks for: `Accept: text/html` must not become a 406.
        return super().perform_content_negotiation(request, force=True)

    def post(self, request: Request) -> Response:
        content = request.data.get("content", "") if isinstance(request.data, dict) else None
        if not isinstance(content, str):
            raise errors.BadRequest("content must be a string")
        try:
            data = card_metadata_check(content)
            card_schema_check(data)
        except InvalidCard as exc:
            if request.META.get("HTTP_ACCEPT", "").startswith("text/plain"):
                # RepoCard.validate() asks for text and raises ValueError(response.text):
                # JSON would escape the quotes of `"license" must be one of`.
                return _plain_invalid(exc)
            raise
        # The Hub's warning, which create_commit shows as "Warnings while validating metadata".
        warnings = [] if data else [{"message": EMPTY_METADATA_WARNING, "type": "warning"}]
        return Response({"errors": [], "warnings": warnings})


EMPTY_METADATA_WARNING = "empty or missing yaml metadata in repo card"


def _plain_invalid(exc: InvalidCard) -> HttpResponse:
    lines = [f"- Error: {item['message']}" for item in exc.body["errors"]]
    text = "Invalid metadata in README.md.\n" + "\n".join(lines)
    return HttpResponse(text, status=exc.status, content_type="text/plain; charset=utf-8",
                        headers={"X-Error-Code": exc.code})  # fmt: skip


@require_GET
def xet_token(
    request: HttpRequest, repo_type: str, namespace: str, name: str, kind: str, rev: str
) -> JsonResponse:
    """hf_xet reads the JSON body; huggingface_hub reads the headers (downloads only)."""
    repo = api_repo(request, repo_type, namespace, name)
    user, token = caller(request)
    issued = cas_token_issue(
        user=user,
        token=token,
        repo=repo,
        write=kind == "write",
        rev=rev,
        create_pr=query_bool(request, "create_pr"),
    )
    url = cas_url(request)
    response = JsonResponse({"accessToken": issued.value, "exp": issued.exp, "casUrl": url})
    response["X-Xet-Cas-Url"] = url
    response["X-Xet-Access-Token"] = issued.value
    response["X-Xet-Token-Expiration"] = str(issued.exp)
    return response


class AgentHarnessesView(APIView):
    """Fetched by every hf CLI process; an empty registry keeps it quiet."""

    authentication_classes: list = []

    def get(self, request: Request) -> Response:
        return Response({"standardEnvVars": [], "harnesses": {}})


class RepoMoveView(APIView):
    def post(self, request: Request) -> Response:
        user, token = caller(request)
        from_id, to_id = request.data.get("fromRepo"), request.data.get("toRepo")
        if not (isinstance(from_id, str) and isinstance(to_id, str) and "/" in from_id + to_id):
            raise errors.BadRequest("fromRepo and toRepo must be 'namespace/name'")
        namespace, _, name = from_id.partition("/")
        repo = repo_get_visible(
            user=user,
            repo_type=request.data.get("type") or "model",
            namespace=namespace,
            name=name,
            follow_moves=False,
        )
        repo = repo_move(user=user, token=token, repo=repo, to_repo=to_id)
        return Response({"url": repo_url(request, repo)})


class RepoSettingsView(APIView):
    def put(self, request: Request, repo_type: str, namespace: str, name: str) -> Response:
        repo = api_repo(request, repo_type, namespace, name)
        user, token = caller(request)
        body = request.data
        private = _requested_private(body) if {"visibility", "private"} & set(body) else None
        repo_update_settings(
            user=user, token=token, repo=repo, private=private, gated=body.get("gated")
        )
        return Response({"private": repo.private, "gated": repo.gated or False})


class AuthCheckView(APIView):
    """200 when the caller may read the repo's files (or, with /write, write to it): a gated
    repo without access is the client's GatedRepoError."""

    def get(
        self, request: Request, repo_type: str, namespace: str, name: str, write: str | None = None
    ) -> Response:
        repo = api_repo(request, repo_type, namespace, name)
        user, token = caller(request)
        require(Actor(user, token), Action.WRITE if write else Action.DOWNLOAD, repo=repo)
        return Response({"access": "write" if write else "read"})
