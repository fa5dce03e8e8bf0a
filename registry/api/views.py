import time

from django.conf import settings
from django.db import DatabaseError, connection
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import errors
from registry.blobs import blob_store
from registry.selectors import token_scoped, user_orgs
from workers import health as worker_health


class WhoAmIView(APIView):
    def get(self, request: Request) -> Response:
        user = request.user
        if not user.is_authenticated:
            raise errors.AuthenticationRequired()
        token = request.auth
        body = {
            "type": "user",
            "id": str(user.pk),
            "name": user.username,
            "fullname": user.fullname or user.username,
            "email": user.email or None,
            "isPro": False,
            "canPay": False,
            "avatarUrl": "",
            "orgs": [
                {
                    "type": "org",
                    "name": m.org.name,
                    "fullname": m.org.fullname or m.org.name,
                    "roleInOrg": m.role,
                    "avatarUrl": "",
                }
                for m in user_orgs(user=user)
            ],
            "auth": {"type": "access_token" if token else "session"},
        }
        if token is not None:
            body["auth"]["accessToken"] = {
                "displayName": token.name,
                "role": token.role,
                "createdAt": token.created_at,
            }
            if token.expires_at is not None:
                body["auth"]["accessToken"]["expiresAt"] = token.expires_at
            if token.fine_grained:
                body["auth"]["accessToken"]["fineGrained"] = {
                    "canReadGatedRepos": False,
                    "global": [],
                    "scoped": token_scoped(token=token),
                }
        return Response(body)


def _timed(check) -> dict:
    started = time.monotonic()
    try:
        detail = check()
    except (DatabaseError, *worker_health.CHECK_ERRORS) as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result = {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}
    if detail is not None:
        result["detail"] = detail
    return result


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


class HealthView(APIView):
    """Database, broker, a real worker round trip and storage; 503 if any is down."""

    authentication_classes: list = []

    def get(self, request: Request) -> Response:
        timeout = settings.HUB_HEALTH_TIMEOUT
        checks = {
            "database": _timed(_database),
            "broker": _timed(lambda: worker_health.broker_check(timeout=timeout)),
            "worker": _timed(lambda: {"pid": worker_health.worker_roundtrip(timeout=timeout)}),
            "storage": _timed(blob_store().check),
        }
        healthy = all(check["ok"] for check in checks.values())
        return Response(
            {"status": "ok" if healthy else "unavailable", "checks": checks},
            status=200 if healthy else 503,
        )
