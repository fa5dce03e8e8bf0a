"""Token administration: an organization's admins see and revoke every token that can reach
it and set the longest lifetime a token may have to reach it; a site admin switches a user
off everywhere."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from registry import errors
from registry.permissions import Action, require
from registry.request import actor, session_only
from registry.services.accounts import user_get
from registry.services.identities import user_access_revoke
from registry.services.tokens import org_token_policy_set, org_token_revoke, org_tokens_reaching
from registry.web import queries
from registry.web.forms import OrgTokenPolicyForm


def _org_as_admin(request: HttpRequest, org_name: str):
    owner = queries.namespace_get(name=org_name)
    if owner.kind != "org":
        raise errors.NotFound(f"'{org_name}' is not an organization")
    require(actor(request), Action.MANAGE_ACCOUNT, namespace=owner)
    return owner.org


@session_only
@never_cache
def org_tokens(request: HttpRequest, org_name: str) -> HttpResponse:
    """The tokens that can reach the org, and its maximum token lifetime."""
    org = _org_as_admin(request, org_name)
    form = OrgTokenPolicyForm(request.POST or None, initial={"token_max_days": org.token_max_days})
    if request.method == "POST" and form.is_valid():
        try:
            org_token_policy_set(org=org, max_days=form.cleaned_data["token_max_days"])
        except errors.HubError as exc:
            form.add_error("token_max_days", exc.message)
        else:
            messages.success(request, "Token policy saved")
            return redirect("web:org-tokens", org_name=org.name)
    context = {"org": org, "form": form, "tokens": org_tokens_reaching(org=org)}
    return render(request, "account/org_tokens.html", context)


@session_only
@require_POST
def org_token_revoke_view(request: HttpRequest, org_name: str, public_id: str) -> HttpResponse:
    org = _org_as_admin(request, org_name)
    org_token_revoke(org=org, public_id=str(public_id), by=request.user)
    messages.success(request, "Token revoked")
    return redirect("web:org-tokens", org_name=org.name)


@session_only
@require_POST
def user_access_revoke_view(request: HttpRequest, username: str) -> HttpResponse:
    """The profile page's button for site admins: every token revoked, every session ended."""
    user = user_get(name=username)
    require(actor(request), Action.MANAGE_ACCOUNT, namespace=user.namespace)
    revoked = user_access_revoke(user=user, by=request.user)
    messages.success(request, f"{revoked} token(s) of {user.username} revoked, sessions ended")
    return redirect(f"/{user.username}")
