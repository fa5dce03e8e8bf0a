"""The fast path's memory of admitted callers (spaces/routes.py): what identifies a caller,
and how long an admission lasts."""

import types

import pytest

from spaces import routes
from spaces.routes import RouteCache, route_key


@pytest.fixture
def clock(monkeypatch):
    now = types.SimpleNamespace(value=1000.0)
    monkeypatch.setattr(routes, "time", types.SimpleNamespace(monotonic=lambda: now.value))
    return now


def meta(**headers: str) -> dict:
    return {f"HTTP_{name.upper()}": value for name, value in headers.items()}


def test_a_caller_is_the_session_cookie_and_the_tokens_not_other_cookies(settings):
    alice = route_key(meta(cookie=f"{settings.SESSION_COOKIE_NAME}=s1; pref=1"), "a", "demo")

    assert alice == route_key(
        meta(cookie=f"pref=2; {settings.SESSION_COOKIE_NAME}=s1"), "a", "demo"
    )
    assert alice != route_key(meta(cookie=f"{settings.SESSION_COOKIE_NAME}=s2"), "a", "demo")
    assert alice != route_key(meta(cookie="pref=1"), "a", "demo")
    assert alice != route_key(meta(cookie=f"{settings.SESSION_COOKIE_NAME}=s1"), "a", "other")
    bearer = route_key(meta(authorization="Bearer t1"), "a", "demo")
    assert bearer != route_key(meta(authorization="Bearer t2"), "a", "demo")
    assert bearer != route_key(meta(x_hf_authorization="Bearer t1"), "a", "demo")


def test_the_session_is_read_as_django_reads_it(settings):
    name = settings.SESSION_COOKIE_NAME

    assert route_key(meta(cookie=f'{name}="s1'), "a", "demo")[2] == '"s1'
    assert route_key(meta(cookie=f"{name}=s1;{name}=s2"), "a", "demo")[2] == "s2"


def test_an_admission_lasts_the_ttl(settings, clock):
    settings.HUB_SPACES_ROUTE_TTL = 5
    cache, key = RouteCache(), ("a", "demo", "", "Bearer t", "")
    cache.allow(key, socket="/run/app.sock", username="alice")

    clock.value += 4.9
    assert cache.get(key).socket == "/run/app.sock"
    clock.value += 0.2
    assert cache.get(key) is None


def test_a_ttl_of_zero_admits_nobody(settings, clock):
    settings.HUB_SPACES_ROUTE_TTL = 0
    cache, key = RouteCache(), ("a", "demo", "", "", "")
    cache.allow(key, socket="/run/app.sock", username=None)

    assert cache.get(key) is None


def test_forgetting_a_caller_sends_them_back_to_the_view(settings, clock):
    settings.HUB_SPACES_ROUTE_TTL = 5
    cache, key = RouteCache(), ("a", "demo", "", "", "")
    cache.allow(key, socket="/run/app.sock", username=None)
    cache.forget(key)

    assert cache.get(key) is None
