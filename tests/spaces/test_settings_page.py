"""The Space section of a Space's settings page: its forms post to
/spaces/{namespace}/{name}/settings/space (spaces/views.py settings_action)."""

import pytest
from django.test import Client

from registry.sealing import unseal
from spaces.models import SpaceRuntime, SpaceSecret, SpaceVariable
from tests.personas import alice_row, charlie_row, make_token  # noqa: F401  (fixtures `alice`, `charlie`)
from tests.spaces.factories import make_space

# Users of the test database (tests/spaces/conftest.py's personas are a live hub's).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tmp_storage")]
Stage = SpaceRuntime.Stage
ACTION = "/spaces/alice/demo/settings/space"
SETTINGS = "/spaces/alice/demo/settings"


@pytest.fixture
def space(alice):
    return make_space(alice, "demo", sdk="static")


@pytest.fixture
def owner(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def post(client: Client, **form: str):
    """Posts one of the section's forms and follows the redirect to the settings page."""
    return client.post(ACTION, form, follow=True)


def runtime_of(space) -> SpaceRuntime:
    return SpaceRuntime.objects.get(pk=space.pk)


def test_the_owner_adds_a_secret_whose_value_the_page_never_shows(space, owner):
    page = post(owner, action="secret-add", key="API_KEY", value="s3cr3t-value-42",
                description="the model's key")  # fmt: skip

    assert page.status_code == 200 and page.redirect_chain == [(SETTINGS, 302)]
    html = page.content.decode()
    assert "Space settings saved." in html
    assert "API_KEY" in html and "the model&#x27;s key" in html
    assert "s3cr3t-value-42" not in html
    assert "s3cr3t-value-42" not in owner.get(SETTINGS).content.decode()
    assert unseal(SpaceSecret.objects.get(repo=space, key="API_KEY").value) == "s3cr3t-value-42"


def test_the_owner_deletes_a_secret(space, owner):
    post(owner, action="secret-add", key="API_KEY", value="s3cr3t-value-42")

    html = post(owner, action="secret-delete", key="API_KEY").content.decode()

    assert not SpaceSecret.objects.filter(repo=space).exists()
    assert "No secrets." in html


def test_the_owner_adds_and_deletes_a_variable_shown_with_its_value(space, owner):
    html = post(owner, action="variable-add", key="MODEL", value="alice/bert").content.decode()
    assert "<code>MODEL</code>" in html and "<code>alice/bert</code>" in html

    html = post(owner, action="variable-delete", key="MODEL").content.decode()
    assert not SpaceVariable.objects.filter(repo=space).exists()
    assert "No variables." in html


def test_a_bad_key_is_a_message_on_the_page(space, owner):
    page = post(owner, action="variable-add", key="not a name", value="x")

    assert page.status_code == 200
    assert "The key must be a name of letters, digits and underscores" in page.content.decode()
    assert not SpaceVariable.objects.filter(repo=space).exists()


def test_a_description_too_long_is_a_message_on_the_page(space, owner):
    page = post(owner, action="secret-add", key="API_KEY", value="x", description="d" * 1001)

    assert "The description must be at most 1000 characters" in page.content.decode()
    assert not SpaceSecret.objects.filter(repo=space).exists()


def test_the_owner_sets_the_sleep_time(space, owner):
    post(owner, action="sleep-time", seconds="600")
    assert runtime_of(space).sleep_time == 600

    html = post(owner, action="sleep-time", seconds="-1").content.decode()
    assert runtime_of(space).sleep_time == -1
    assert 'name="seconds" type="number" min="-1" value="-1"' in html


@pytest.mark.parametrize("seconds", ["abc", "0", "-5", "--5", "1.5", "²", ""])
def test_a_bad_sleep_time_is_a_clear_message_not_an_error_page(space, owner, seconds):
    post(owner, action="sleep-time", seconds="600")

    page = post(owner, action="sleep-time", seconds=seconds)

    assert page.status_code == 200 and page.redirect_chain == [(SETTINGS, 302)]
    html = page.content.decode()
    assert "The sleep time must be a positive number of seconds, or -1" in html
    assert "Space settings saved." not in html
    assert runtime_of(space).sleep_time == 600


def test_the_owner_pauses_then_restarts_the_space(space, owner):
    post(owner, action="pause")
    assert runtime_of(space).stage == Stage.PAUSED
    assert Client().get("/spaces-apps/alice/demo/").status_code == 503

    post(owner, action="restart")
    assert runtime_of(space).stage == Stage.RUNNING
    app = Client().get("/spaces-apps/alice/demo/")
    assert b"".join(app.streaming_content) == b"<h1>hi</h1>"


def test_an_unknown_action_changes_nothing_and_says_so(space, owner):
    page = post(owner, action="explode")

    assert page.status_code == 200
    assert "Unknown action" in page.content.decode()
    assert runtime_of(space).stage == Stage.RUNNING


ACTIONS = [
    {"action": "secret-add", "key": "API_KEY", "value": "x"},
    {"action": "variable-add", "key": "MODEL", "value": "x"},
    {"action": "sleep-time", "seconds": "60"},
    {"action": "pause"},
    {"action": "restart"},
]


@pytest.mark.parametrize("form", ACTIONS, ids=[f["action"] for f in ACTIONS])
def test_charlie_cannot_change_alices_space(space, charlie, form):
    client = Client()
    client.force_login(charlie)
    before = runtime_of(space)

    assert client.post(ACTION, form).status_code == 403

    after = runtime_of(space)
    assert (after.stage, after.sleep_time) == (before.stage, before.sleep_time)
    assert not SpaceSecret.objects.exists() and not SpaceVariable.objects.exists()


@pytest.mark.parametrize("form", ACTIONS, ids=[f["action"] for f in ACTIONS])
def test_alices_read_token_cannot_change_her_space(space, alice, form):
    reader = Client(headers={"Authorization": f"Bearer {make_token(alice, role='read')}"})
    before = runtime_of(space)

    assert reader.post(ACTION, form).status_code == 403

    after = runtime_of(space)
    assert (after.stage, after.sleep_time) == (before.stage, before.sleep_time)
    assert not SpaceSecret.objects.exists() and not SpaceVariable.objects.exists()


def test_the_settings_section_is_not_shown_to_charlie(space, charlie):
    client = Client()
    client.force_login(charlie)

    assert client.get(SETTINGS).status_code == 403
