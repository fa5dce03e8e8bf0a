"""One test identity provider for the single sign-on tests, and a hub (the test process)
connected to it."""

import pytest
from django.test import Client

from registry.models import Organization
from registry.services.accounts import org_create, user_create
from tests.sso.provider import Provider

IN_PROCESS_CALLBACK = "http://testserver/oidc/callback/"


@pytest.fixture(scope="session", autouse=True)
def provider_starting(tmp_path_factory) -> Provider:
    """Autouse, so it starts before anything makes the test database."""
    started = Provider(tmp_path_factory.mktemp("idp")).start()
    yield started
    started.stop()


@pytest.fixture
def provider(provider_starting, django_db_setup) -> Provider:
    """The provider, once up; it starts before the test database is made, to overlap."""
    if provider_starting.kid is None:
        provider_starting.ready().register(IN_PROCESS_CALLBACK)
    return provider_starting


def sso_settings(settings, provider: Provider) -> None:
    """Connects the hub (this process) to `provider`; creates org acme, which the group
    mapping manages, and its creator `root`, a site admin."""
    for name, value in provider.hub_settings().items():
        setattr(settings, name, value)
    settings.HUB_OIDC_GROUP_MAP = {"ml-team": ("acme", "write"), "ml-admins": ("acme", "admin")}
    org_create(name="acme", creator=user_create(name="root", is_admin=True))


@pytest.fixture
def sso(settings, provider, db) -> Provider:
    sso_settings(settings, provider)
    return provider


def acme() -> Organization:
    return Organization.objects.get(namespace__name="acme")


def sso_sign_in(client: Client, provider: Provider, username: str, password: str = "pw-idp"):
    """The whole authorization-code flow: the hub's redirect, the provider's sign-in, and
    the hub's callback; returns the callback's answer."""
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302, start.content[:300]
    callback = provider.sign_in(start["Location"], username=username, password=password)
    return client.get(callback.removeprefix("http://testserver"))
