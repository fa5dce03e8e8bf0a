"""Page routes. hubsite/urls.py includes these last, so /api/, /lfs/, /resolve/ and the git
routes match first; repo pages list their sub-pages explicitly and never catch `.git/` paths."""

from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from registry.web import oidc
from registry.web.views import (
    accounts,
    community,
    docs,
    edit,
    files,
    gated,
    history,
    home,
    orgtokens,
    repo,
)

app_name = "web"

# Models have no prefix, as on the Hub: /alice/bert, /datasets/alice/squad, /spaces/alice/demo.
# Paths under /api/ and /lfs/ that the API does not know stay the API's JSON 404s.
NOT_API = r"(?!(?:api|lfs)(?:/|$))"
REPO = rf"^{NOT_API}(?:(?P<prefix>datasets|spaces)/)?(?P<namespace>[^/]+)/(?P<name>[^/]+)"
REST = r"(?:/(?P<rest>.+))?"

urlpatterns = [
    path("", home.home, name="home"),
    path("login", accounts.SignInView.as_view(), name="login"),
    path("logout", auth_views.LogoutView.as_view(), name="logout"),
    path("oidc/authenticate/", oidc.SignInStart.as_view(), name="oidc-authenticate"),
    path("oidc/callback/", oidc.SignInCallback.as_view(), name="oidc-callback"),
    path("oidc/backchannel-logout", oidc.backchannel_logout, name="oidc-backchannel-logout"),
    path("join", accounts.signup, name="signup"),
    path("new", repo.new_repo, name="new"),
    path("search", home.search, name="search"),
    path("settings/tokens", accounts.tokens, name="tokens"),
    path("settings/password", accounts.password_change, name="password"),
    path("settings/tokens/<uuid:public_id>/revoke", accounts.token_revoke_view, name="revoke"),
    path(
        "settings/users/<str:username>/revoke-access",
        orgtokens.user_access_revoke_view,
        name="user-revoke-access",
    ),
    path("organizations/new", accounts.org_new, name="org-new"),
    path("organizations/<str:org_name>/members", accounts.org_members, name="org-members"),
    path("organizations/<str:org_name>/tokens", orgtokens.org_tokens, name="org-tokens"),
    path(
        "organizations/<str:org_name>/tokens/<uuid:public_id>/revoke",
        orgtokens.org_token_revoke_view,
        name="org-token-revoke",
    ),
    path("docs", docs.index, name="docs"),
    path("docs/api", docs.api_reference, name="api-reference"),
    path("docs/<str:slug>", docs.page, name="doc"),
    path("api/openapi.json", docs.openapi_json, name="openapi"),
    re_path(r"^(?P<plural>models|datasets|spaces)$", home.listing, name="listing"),
    re_path(rf"{REPO}$", repo.card, name="repo"),
    re_path(rf"{REPO}/tree{REST}$", files.tree),
    re_path(rf"{REPO}/blob/(?P<rest>.+)$", files.blob),
    re_path(rf"{REPO}/raw/(?P<rest>.+)$", files.raw),
    re_path(rf"{REPO}/edit{REST}$", edit.edit),
    re_path(rf"{REPO}/delete/(?P<rest>.+)$", edit.delete),
    re_path(rf"{REPO}/upload{REST}$", edit.upload),
    re_path(rf"{REPO}/commits{REST}$", history.commits),
    re_path(rf"{REPO}/commit/(?P<sha>[^/]+)$", history.commit),
    re_path(rf"{REPO}/discussions$", community.discussions),
    re_path(rf"{REPO}/discussions/(?P<num>[0-9]{{1,9}})$", community.discussion),
    re_path(rf"{REPO}/settings$", repo.settings_page),
    re_path(rf"{REPO}/settings/access-requests$", gated.review),
    re_path(rf"{REPO}/ask-access$", gated.ask_access),
    re_path(rf"{REPO}/like$", repo.like),
    re_path(rf"^{NOT_API}(?P<namespace>[^/]+)$", accounts.profile, name="profile"),
]
