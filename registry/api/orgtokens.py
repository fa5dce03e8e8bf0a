"""`/api/organizations/{org}/tokens`: an organization's admins list the tokens that can reach
it and revoke one. Signed-in browser sessions only, like every route that manages tokens."""

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import errors
from registry.models import AccessToken, Organization
from registry.permissions import Action, require
from registry.request import actor, session_only
from registry.selectors import token_scoped
from registry.services.tokens import org_token_revoke, org_tokens_reaching


def _org_as_admin(request: Request, org_name: str) -> Organization:
    org = (
        Organization.objects.select_related("namespace")
        .filter(namespace__name__iexact=org_name)
        .first()
    )
    if org is None:
        raise errors.NotFound(f"Organization {org_name[:60]} not found")
    require(actor(request), Action.MANAGE_ACCOUNT, namespace=org.namespace)
    return org


def _described(token: AccessToken) -> dict:
    described = {
        "id": str(token.public_id), "user": token.user.username, "displayName": token.name,
        "role": token.role, "createdAt": token.created_at, "expiresAt": token.expires_at,
        "lastUsedAt": token.last_used_at, "last4": token.last_four,
    }  # fmt: skip
    if token.fine_grained:
        described["fineGrained"] = {"scoped": token_scoped(token=token)}
    return described


@session_only
class OrgTokensView(APIView):
    def get(self, request: Request, org_name: str) -> Response:
        org = _org_as_admin(request, org_name)
        return Response([_described(t) for t in org_tokens_reaching(org=org)])


@session_only
class OrgTokenView(APIView):
    def delete(self, request: Request, org_name: str, public_id: str) -> Response:
        org = _org_as_admin(request, org_name)
        org_token_revoke(org=org, public_id=str(public_id), by=request.user)
        return Response(status=204)
