"""Single sign-on with the operator's OpenID Connect provider, over mozilla-django-oidc.

The library runs the authorization-code flow (state, nonce, the code exchange, the JWKS);
this module reads its settings from HUB_OIDC_*, checks what it leaves unchecked (the ID
token's audience and issuer), turns every failure into a clear refusal that counts against
the client's sign-in attempts, and hands the verified claims to `identity_sign_in`.
"""

import logging
import time
from collections.abc import Callable

import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from registry import errors
from registry.models import OidcIdentity, User
from registry.request import client_address
from registry.services.identities import identity_sign_in, user_access_revoke
from registry.services.logins import login_attempt_check, login_failure_record

_log = logging.getLogger("minihub.oidc")
# mozilla-django-oidc's setting names, read from ours (so tests and operators set HUB_* only).
_SETTINGS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "HUB_OIDC_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT": "HUB_OIDC_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT": "HUB_OIDC_USERINFO_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT": "HUB_OIDC_JWKS_URI",
    "OIDC_RP_CLIENT_ID": "HUB_OIDC_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET": "HUB_OIDC_CLIENT_SECRET",
    "OIDC_RP_SCOPES": "HUB_OIDC_SCOPES",
}
_FIXED = {
    "OIDC_RP_SIGN_ALGO": "RS256",
    "OIDC_USE_PKCE": True,
    "OIDC_TIMEOUT": 10,
    "OIDC_AUTHENTICATION_CALLBACK_URL": "web:oidc-callback",
    "LOGIN_REDIRECT_URL": "/",
}
# The back-channel logout token's event (OpenID Connect Back-Channel Logout 1.0, 2.4).
_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
_SESSION_REFRESH = "oidc_refresh_token"
_SESSION_CHECKED = "oidc_checked_at"


def sso_enabled() -> bool:
    return bool(settings.HUB_OIDC_CLIENT_ID)


def _setting(attr: str, *default):
    if attr in _SETTINGS:
        return getattr(settings, _SETTINGS[attr])
    if attr in _FIXED:
        return _FIXED[attr]
    return getattr(settings, attr, *default) if default else getattr(settings, attr)


def _decoded(token: bytes | str, key, *, required: list[str]) -> dict:
    """A provider's JWT, checked: RS256 signature, audience (our client id), issuer, and
    expiry when it has one (an ID token must; a logout token need not)."""
    try:
        return jwt.decode(
            token, key, algorithms=["RS256"], audience=settings.HUB_OIDC_CLIENT_ID,
            issuer=settings.HUB_OIDC_ISSUER, options={"require": required},
        )  # fmt: skip
    except jwt.InvalidTokenError as exc:
        raise SuspiciousOperation(f"The identity provider's token is invalid: {exc}") from exc


class PasswordBackend(ModelBackend):
    """Django's password check, unless the operator turned password sign-in off."""

    def authenticate(self, request: HttpRequest | None, **kwargs) -> User | None:
        return super().authenticate(request, **kwargs) if settings.HUB_PASSWORD_LOGIN else None


class HubOidcBackend(OIDCAuthenticationBackend):
    """Verifies the ID token fully (signature, expiry, audience, issuer) and signs the
    subject in through `identity_sign_in`; a password never reaches it."""

    get_settings = staticmethod(_setting)

    def authenticate(self, request: HttpRequest | None, **kwargs) -> User | None:
        if not sso_enabled() or request is None or "code" not in request.GET:
            return None
        return super().authenticate(request, **kwargs)

    def get_payload_data(self, token: bytes, key) -> dict:
        return _decoded(token, key, required=["exp", "iat", "iss", "aud", "sub"])

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict) -> User:
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload["sub"]:
            raise SuspiciousOperation("The userinfo answer is about another subject")
        # The ID token's claims are the signed ones; userinfo adds groups and profile.
        user = identity_sign_in(issuer=settings.HUB_OIDC_ISSUER, claims={**claims, **payload})
        self.request.session[_SESSION_REFRESH] = self._refresh_token
        self.request.session[_SESSION_CHECKED] = time.time()
        return user

    def get_token(self, payload: dict) -> dict:
        answer = super().get_token(payload)
        self._refresh_token = answer.get("refresh_token", "")
        return answer


class SignInStart(OIDCAuthenticationRequestView):
    """/oidc/authenticate/: off (404) until the operator configures a provider."""

    get_settings = staticmethod(_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise errors.NotFound("Single sign-on is not configured on this hub")
        return super().get(request)


class SignInCallback(OIDCAuthenticationCallbackView):
    """/oidc/callback/: the provider's answer. Every refusal says why, is counted against
    the client address like a wrong password (too many: 429), and signs nobody in."""

    get_settings = staticmethod(_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise errors.NotFound("Single sign-on is not configured on this hub")
        address = client_address(request)
        login_attempt_check(username=f"sso@{address}", address=address)
        try:
            return super().get(request)
        except errors.SignInRefused:
            raise
        except (SuspiciousOperation, requests.RequestException, errors.HubError) as exc:
            self._reason = str(getattr(exc, "message", exc))
            return self.login_failure()

    def login_failure(self) -> HttpResponse:
        reason = getattr(self, "_reason", "") or self.request.GET.get("error", "")
        if not reason and "state" in self.request.GET:
            reason = "this sign-in was not started here or was already used; please start again"
        _log.warning("single sign-on refused: %s", reason or "not completed")
        address = client_address(self.request)
        login_failure_record(username=f"sso@{address}", address=address)
        user_login_failed.send(
            sender=__name__, credentials={"method": "oidc"}, request=self.request
        )
        if self.request.user.is_authenticated:
            auth.logout(self.request)
        raise errors.SignInRefused(
            f"Single sign-on failed: {reason or 'the sign-in was not completed'}"
        )


@csrf_exempt
@require_POST
def backchannel_logout(request: HttpRequest) -> HttpResponse:
    """The provider signs a user out of every relying party: their sessions end and their
    tokens are revoked (OpenID Connect Back-Channel Logout 1.0, with `sub`)."""
    if not sso_enabled():
        raise errors.NotFound("Single sign-on is not configured on this hub")
    backend = HubOidcBackend()
    logout_token = request.POST.get("logout_token", "")
    try:
        key = backend.retrieve_matching_jwk(logout_token)
        claims = _decoded(logout_token, key, required=["iat", "iss", "aud", "sub", "events"])
    except (SuspiciousOperation, jwt.InvalidTokenError, requests.RequestException) as exc:
        raise errors.BadRequest(f"Invalid logout token: {exc}") from None
    except KeyError:  # a header without `kid`
        raise errors.BadRequest("Invalid logout token: it names no signing key") from None
    events = claims.get("events")
    if not isinstance(events, dict) or _LOGOUT_EVENT not in events or "nonce" in claims:
        raise errors.BadRequest("Invalid logout token: not a back-channel logout event")
    identity = (
        OidcIdentity.objects.select_related("user")
        .filter(issuer=settings.HUB_OIDC_ISSUER, subject=str(claims["sub"]))
        .first()
    )
    if identity is not None:
        user_access_revoke(user=identity.user, by=None)
    return HttpResponse(status=200, headers={"Cache-Control": "no-store"})


class SessionCheckMiddleware:
    """Every HUB_OIDC_RECHECK_SECONDS, a session signed in through the provider asks it for
    fresh tokens with its refresh token; a refusal (the user was disabled there, or their
    grant revoked) ends the session. Runs after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only a request with a session cookie: reading the session of any other would add
        # `Vary: Cookie` to every answer, downloads included.
        with_session = settings.SESSION_COOKIE_NAME in request.COOKIES and sso_enabled()
        checked = request.session.get(_SESSION_CHECKED) if with_session else None
        due = checked is not None and time.time() - checked > settings.HUB_OIDC_RECHECK_SECONDS
        if due and not _session_still_granted(request):
            auth.logout(request)
            return redirect(settings.LOGIN_URL)
        return self.get_response(request)


def _session_still_granted(request: HttpRequest) -> bool:
    refresh = request.session.get(_SESSION_REFRESH)
    if not refresh or not sso_enabled():
        return False
    payload = {"grant_type": "refresh_token", "refresh_token": refresh,
               "client_id": settings.HUB_OIDC_CLIENT_ID,
               "client_secret": settings.HUB_OIDC_CLIENT_SECRET}  # fmt: skip
    try:
        answer = requests.post(settings.HUB_OIDC_TOKEN_ENDPOINT, data=payload, timeout=10)
    except requests.RequestException:
        _log.warning("identity provider unreachable; the session is kept until it answers")
        return True
    if answer.status_code != 200:
        return False
    request.session[_SESSION_REFRESH] = answer.json().get("refresh_token", refresh)
    request.session[_SESSION_CHECKED] = time.time()
    return True
