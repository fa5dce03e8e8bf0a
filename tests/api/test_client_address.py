"""Which address a request comes from: X-Forwarded-For counts only as our proxies wrote it."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from hubsite.settings import DATABASE_CACHE
from registry.request import JOB_ENDPOINT_HOST, base_url, client_address


def address(xff: str | None, *, proxies: int, settings) -> str:
    settings.HUB_TRUSTED_PROXIES = proxies
    headers = {} if xff is None else {"HTTP_X_FORWARDED_FOR": xff}
    return client_address(RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", **headers))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    assert address("203.0.113.7", proxies=0, settings=settings) == "10.0.0.9"


def test_without_trusted_proxies_it_is_ignored_even_behind_a_proxy(settings):
    settings.USE_X_FORWARDED_HOST = True

    assert address("203.0.113.7", proxies=0, settings=settings) == "10.0.0.9"


def test_one_proxy_the_rightmost_entry_is_the_client(settings):
    assert address("203.0.113.7", proxies=1, settings=settings) == "203.0.113.7"


def test_one_proxy_an_entry_the_client_wrote_itself_is_not_believed(settings):
    # charlie sends "X-Forwarded-For: 198.51.100.1"; nginx appends his real address.
    assert address("198.51.100.1, 203.0.113.7", proxies=1, settings=settings) == "203.0.113.7"


def test_two_proxies_the_entry_before_the_inner_proxy_is_the_client(settings):
    # balancer appends the client, nginx appends the balancer
    xff = "203.0.113.7, 10.0.0.2"

    assert address(xff, proxies=2, settings=settings) == "203.0.113.7"


def test_two_proxies_spoofed_leftmost_entries_are_skipped(settings):
    xff = "127.0.0.1, 198.51.100.1,203.0.113.7 , 10.0.0.2"

    assert address(xff, proxies=2, settings=settings) == "203.0.113.7"


def test_a_header_shorter_than_the_proxy_chain_gives_its_first_entry(settings):
    assert address("203.0.113.7", proxies=2, settings=settings) == "203.0.113.7"


@pytest.mark.parametrize("proxies", [1, 2])
def test_without_the_header_the_connection_address_is_used(settings, proxies):
    assert address(None, proxies=proxies, settings=settings) == "10.0.0.9"


@pytest.mark.django_db
def test_spoofing_the_header_does_not_escape_the_anonymous_rate_limit(client, settings):
    settings.USE_X_FORWARDED_HOST = True
    settings.HUB_TRUSTED_PROXIES = 1
    settings.HUB_RATE_LIMIT_ANONYMOUS_PER_MINUTE = 1

    first = client.get("/api/models", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7")
    second = client.get("/api/models", HTTP_X_FORWARDED_FOR="2.2.2.2, 203.0.113.7")

    assert first.status_code == 200
    assert second.status_code == 429
    assert second.headers["X-Error-Code"] == "TooManyRequests"


@pytest.mark.django_db
def test_many_callers_in_one_window_do_not_reset_a_callers_count(client, settings):
    # The embedded hub's counters (a PostgreSQL hub keeps them in Redis).
    settings.CACHES = {"default": DATABASE_CACHE}
    call_command("createcachetable")
    settings.HUB_RATE_LIMIT_ANONYMOUS_PER_MINUTE = 1
    # Other callers' counters of this window, as the embedded hub's cache table holds them.
    expires = timezone.now() + timedelta(minutes=5)
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO minihub_cache (cache_key, value, expires) VALUES (%s, %s, %s)",
            [
                (f":1:ratelimit:ip:198.51.{n // 256}.{n % 256}:0", "MA==", expires)
                for n in range(1000)
            ],
        )

    first = client.get("/api/models", REMOTE_ADDR="10.9.9.9")
    second = client.get("/api/models", REMOTE_ADDR="10.9.9.9")

    assert (first.status_code, second.status_code) == (200, 429)


def test_links_name_the_public_url_except_for_a_jobs_relay(settings):
    settings.HUB_PUBLIC_URL = "https://hub.example.com"
    settings.ALLOWED_HOSTS = ["*"]

    outside = RequestFactory().get("/", HTTP_HOST="10.0.0.5:8000")
    from_a_job = RequestFactory().get("/", HTTP_HOST=JOB_ENDPOINT_HOST)

    assert base_url(outside) == "https://hub.example.com"
    assert base_url(from_a_job) == f"http://{JOB_ENDPOINT_HOST}"
