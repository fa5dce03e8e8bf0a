"""A Space's build and run logs: the API's server-sent events (what huggingface_hub's
fetch_space_logs reads; the stock client itself is driven in test_static_and_runtime.py),
who may read them, secrets masked, and the Logs page."""

import json

import pytest
from django.test import Client

from registry.sealing import seal
from spaces.models import SpaceSecret
from spaces.selectors import space_log_path
from tests.personas import alice_row, charlie_row, make_token  # noqa: F401  (fixtures `alice`, `charlie`)
from tests.spaces.factories import make_space

# Users of the test database (tests/spaces/conftest.py's personas are a live hub's).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tmp_storage")]


def write_log(repo, kind: str, text: str) -> None:
    path = space_log_path(repo=repo, kind=kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def events(answer, count: int) -> list[dict]:
    """The first `count` events of a log stream (the stream stays open for new lines)."""
    found, buffer = [], b""
    chunks = iter(answer.streaming_content)
    while len(found) < count:
        buffer += next(chunks)
        *complete, buffer = buffer.split(b"\n\n")
        found += [json.loads(event.removeprefix(b"data: ")) for event in complete]
    answer.close()
    return found


def test_the_owner_reads_the_run_log_as_events_with_secrets_masked(alice):
    space = make_space(alice, "demo")
    SpaceSecret.objects.create(repo=space, key="API_KEY", value=seal("s3cr3t-42"))
    write_log(space, "run", "Running on local URL\nmy key is s3cr3t-42, shh\n")

    answer = bearer(make_token(alice)).get("/api/spaces/alice/demo/logs/run")

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/event-stream"
    lines = events(answer, 2)
    assert [e["data"] for e in lines] == ["Running on local URL\n", "my key is ***, shh\n"]
    assert all(e["timestamp"].endswith("Z") for e in lines)


def test_the_build_log_is_its_own_stream(alice):
    space = make_space(alice, "demo")
    write_log(space, "build", "Collecting six==1.17.0\n")
    write_log(space, "run", "Running on local URL\n")

    answer = bearer(make_token(alice)).get("/api/spaces/alice/demo/logs/build")

    assert [e["data"] for e in events(answer, 1)] == ["Collecting six==1.17.0\n"]


def test_only_writers_read_a_spaces_logs(alice, charlie):
    make_space(alice, "public-demo")
    make_space(alice, "private-demo", private=True)
    read_token = make_token(alice, role="read", name="reader")

    def status(client: Client, name: str) -> int:
        return client.get(f"/api/spaces/alice/{name}/logs/run").status_code

    # Logs are the owners' (a secret the app prints before it is masked, a path...): a
    # write token or a session of a writer, as the runtime's other actions.
    assert status(bearer(read_token), "public-demo") == 403
    assert status(bearer(make_token(charlie)), "public-demo") == 403
    assert status(bearer(make_token(charlie)), "private-demo") == 404
    assert status(Client(), "private-demo") == 401
    assert status(Client(), "public-demo") == 401


def test_the_logs_page_is_shown_to_the_owner_only(alice, charlie):
    make_space(alice, "public-demo")
    make_space(alice, "private-demo", private=True)
    owner, outsider = Client(), Client()
    owner.force_login(alice)
    outsider.force_login(charlie)

    page = owner.get("/spaces/alice/public-demo/logs")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-log-url="/api/spaces/alice/public-demo/logs/build"' in html
    assert 'data-log-url="/api/spaces/alice/public-demo/logs/run"' in html
    assert outsider.get("/spaces/alice/public-demo/logs").status_code == 403
    assert outsider.get("/spaces/alice/private-demo/logs").status_code == 404
    assert Client().get("/spaces/alice/public-demo/logs").status_code == 302  # to sign in
