"""Accounts: sign-up, profiles of users and orgs, access tokens, organizations and members."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from registry import errors
from registry.permissions import Action, allows, require
from registry.request import actor, client_address, session_only
from registry.selectors import user_orgs
from registry.services.accounts import (
    member_remove,
    membership_set,
    org_create,
    org_scans_require,
    org_visibility_set,
    user_create,
    user_get,
    user_password_change,
)
from registry.services.logins import (
    login_attempt_check,
    login_failure_record,
    login_success_record,
)
from registry.services.tokens import token_create, token_revoke
from registry.signals import audit_send
from registry.web import queries
from registry.web.forms import MemberForm, OrgCreateForm, SignupForm, TokenCreateForm
from registry.web.views.common import page_number


class SignInView(LoginView):
    """The sign-in page, refusing further attempts (429) for a username or an address after
    HUB_LOGIN_ATTEMPTS failures in HUB_LOGIN_WINDOW_SECONDS: password guessing is slow."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.HUB_PASSWORD_LOGIN:
            raise errors.Forbidden("Password sign-in is turned off on this hub; use single sign-on")
        username = request.POST.get("username", "")
        login_attempt_check(username=username, address=client_address(request))
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        username = self.request.POST.get("username", "")
        login_failure_record(username=username, address=client_address(self.request))
        audit_send(action="auth.failed", method="password", username=username[:150])
        return super().form_invalid(form)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        login_success_record(username=self.request.POST.get("username", ""))
        return super().form_valid(form)


@session_only
@never_cache
def password_change(request: HttpRequest) -> HttpResponse:
    """The signed-in user's new password: the old one first, then the hub's validators."""
    require(actor(request), Action.MANAGE_ACCOUNT)
    form = PasswordChangeForm(request.user, request.POST or None, label_suffix="")
    if request.method == "POST" and form.is_valid():
        user_password_change(user=request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)  # this session stays signed in
        messages.success(request, "Password changed")
        return redirect("web:password")
    return render(request, "account/password.html", {"form": form})


def signup(request: HttpRequest) -> HttpResponse:
    if not (settings.HUB_SIGNUP and settings.HUB_PASSWORD_LOGIN):
        raise errors.NotFound("Sign-up is turned off on this hub; ask an administrator")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_create(
                name=data["username"], password=data["password"], email=data["email"]
            )
        except errors.HubError as exc:
            form.add_error("username", exc.message)
        else:
            login(request, user, backend="registry.web.oidc.PasswordBackend")
            return redirect("/")
    return render(request, "account/signup.html", {"form": form})


def profile(request: HttpRequest, namespace: str) -> HttpResponse:
    owner = queries.namespace_get(name=namespace)
    context = {
        "owner": owner,
        "is_org": owner.kind == "org",
        "page": queries.namespace_repos(
            viewer=request.user, namespace=owner, number=page_number(request)
        ),
        "members": queries.org_members(namespace=owner) if owner.kind == "org" else [],
        "orgs": [] if owner.kind == "org" else _orgs_of(owner),
    }
    return render(request, "account/profile.html", context)


def _orgs_of(namespace) -> list[str]:
    return [m.org.name for m in user_orgs(user=namespace.user)]


@session_only
@never_cache
def tokens(request: HttpRequest) -> HttpResponse:
    """Lists and creates tokens; a new token's value is shown in this one response only."""
    require(actor(request), Action.MANAGE_ACCOUNT)
    form = TokenCreateForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = token_create(
                user=request.user, name=form.cleaned_data["name"], role=form.cleaned_data["role"],
                expires_at=_days_ahead(form.cleaned_data["expires_in_days"]),
                scoped=form.scoped(),
            )  # fmt: skip
        except errors.HubError as exc:
            form.add_error("name", exc.message)
        else:
            form = TokenCreateForm()
    context = {"form": form, "created": created, "tokens": queries.live_tokens(user=request.user)}
    return render(request, "account/tokens.html", context)


def _days_ahead(days: int | None) -> datetime | None:
    return None if days is None else timezone.now() + timedelta(days=days)


@session_only
@require_POST
def token_revoke_view(request: HttpRequest, public_id: str) -> HttpResponse:
    require(actor(request), Action.MANAGE_ACCOUNT)
    token_revoke(user=request.user, public_id=public_id)
    messages.success(request, "Token revoked")
    return redirect("web:tokens")


@session_only
def org_new(request: HttpRequest) -> HttpResponse:
    require(actor(request), Action.MANAGE_ACCOUNT)
    form = OrgCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = org_create(
                name=form.cleaned_data["name"],
                fullname=form.cleaned_data["fullname"],
                creator=request.user,
            )
        except errors.HubError as exc:
            form.add_error("name", exc.message)
        else:
            return redirect(f"/organizations/{org.name}/members")
    return render(request, "account/org_new.html", {"form": form})


@session_only
def org_members(request: HttpRequest, org_name: str) -> HttpResponse:
    """Members and roles; admins add members, change roles and remove members."""
    owner = queries.namespace_get(name=org_name)
    if owner.kind != "org":
        raise errors.NotFound(f"'{org_name}' is not an organization")
    is_admin = allows(actor(request), Action.MANAGE_ACCOUNT, namespace=owner)
    form = MemberForm(request.POST or None)
    if request.method == "POST":
        require(actor(request), Action.MANAGE_ACCOUNT, namespace=owner)
        if _member_change(request, owner.org, form):
            return redirect(f"/organizations/{owner.name}/members")
    context = {
        "owner": owner,
        "is_admin": is_admin,
        "form": form,
        "members": queries.org_members(namespace=owner),
    }
    return render(request, "account/org_members.html", context)


def _member_change(request: HttpRequest, org, form: MemberForm) -> bool:
    try:
        if request.POST.get("action") == "visibility":
            private = request.POST.get("repos_private_by_default") == "on"
            org_visibility_set(org=org, repos_private_by_default=private)
        elif request.POST.get("action") == "scans":
            org_scans_require(org=org, required=request.POST.get("scans_required") == "on")
        elif request.POST.get("action") == "remove":
            member_remove(org=org, username=request.POST.get("username", ""))
        elif form.is_valid():
            user = user_get(name=form.cleaned_data["username"])
            membership_set(org=org, user=user, role=form.cleaned_data["role"])
        else:
            return False
    except errors.HubError as exc:
        form.add_error(None, exc.message)
        return False
    return True
