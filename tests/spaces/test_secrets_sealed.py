"""A Space's secrets are sealed in the database (registry/sealing.py) and opened only for the
app's environment and the masking of its logs; a secret no key opens is an error the Space
shows, never a 500."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from registry.blobs import blob_store
from registry.models import Repo
from registry.sealing import SecretUnreadable, unseal
from registry.services.repos import repo_create
from spaces.duplicate import space_duplicate
from spaces.models import SpaceRuntime, SpaceSecret
from spaces.run import space_deploy
from spaces.selectors import space_env, space_log_path, space_log_tail
from tests.conftest import make_token, make_user

OLD_KEY = "old-key-" + "o" * 40
NEW_KEY = "new-key-" + "n" * 40
SECRET = "hf_supersecret_value"


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.HUB_REPOS_DIR = tmp_path / "repos"
    settings.HUB_BLOBS_DIR = tmp_path / "blobs"
    settings.HUB_DATA_DIR = tmp_path / "data"
    settings.HUB_SECRETS_KEYS = [OLD_KEY]
    blob_store.cache_clear()
    yield
    blob_store.cache_clear()


@pytest.fixture
def alice(db):
    # A user row (this directory's conftest gives the live hub's personas instead).
    return make_user("alice")


@pytest.fixture
def space(alice) -> Repo:
    return repo_create(user=alice, token=None, name="demo", organization=None,
                       repo_type="space", private=False, space_sdk="gradio")  # fmt: skip


def raw_secret_values() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM spaces_spacesecret")
        return [row[0] for row in cursor.fetchall()]


def add_secret(client, alice, key: str, value: str):
    return client.post(
        "/api/spaces/alice/demo/secrets", data=json.dumps({"key": key, "value": value}),
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {make_token(alice)}",
    )  # fmt: skip


def test_a_secret_is_stored_sealed_and_the_app_gets_it_in_plain_text(client, alice, space):
    assert add_secret(client, alice, "HF_TOKEN", SECRET).status_code == 200

    (stored,) = raw_secret_values()
    assert SECRET not in stored
    assert space_env(repo=space)["HF_TOKEN"] == SECRET
    run_log = space_log_path(repo=space, kind="run")
    run_log.parent.mkdir(parents=True)
    run_log.write_text(f"token is {SECRET}\n")
    assert space_log_tail(repo=space, kind="run") == "token is ***\n"


def test_a_duplicate_gets_the_secrets_sent_sealed_and_none_of_the_sources(client, alice, space):
    add_secret(client, alice, "HF_TOKEN", SECRET)

    copy = space_duplicate(
        user=alice, token=None, source=space, to_id="alice/copy", private=None,
        secrets=[{"key": "COPY_TOKEN", "value": "hf_copy_secret"}],
    )  # fmt: skip

    assert space_env(repo=copy) == {"COPY_TOKEN": "hf_copy_secret"}
    assert not any("hf_copy_secret" in value for value in raw_secret_values())


def test_new_secrets_use_the_first_key_and_older_ones_still_reach_the_app(
    settings, client, alice, space
):
    add_secret(client, alice, "OLD_TOKEN", "sealed-under-old")
    settings.HUB_SECRETS_KEYS = [NEW_KEY, OLD_KEY]
    add_secret(client, alice, "NEW_TOKEN", "sealed-under-new")

    assert space_env(repo=space) == {
        "NEW_TOKEN": "sealed-under-new", "OLD_TOKEN": "sealed-under-old"
    }  # fmt: skip
    settings.HUB_SECRETS_KEYS = [NEW_KEY]
    assert unseal(SpaceSecret.objects.get(key="NEW_TOKEN").value) == "sealed-under-new"
    with pytest.raises(SecretUnreadable):
        unseal(SpaceSecret.objects.get(key="OLD_TOKEN").value)


def test_a_secret_no_key_opens_stops_the_space_with_an_error_naming_it(
    settings, client, alice, space
):
    add_secret(client, alice, "HF_TOKEN", SECRET)
    run_log = space_log_path(repo=space, kind="run")
    run_log.parent.mkdir(parents=True)
    run_log.write_text(f"the last run printed {SECRET}\n")
    SpaceRuntime.objects.filter(repo=space).update(stage="BUILDING", sha=space.head_sha)
    settings.HUB_SECRETS_KEYS = [NEW_KEY]  # the operator dropped the key it was sealed with

    space_deploy(repo_pk=space.pk)

    runtime = SpaceRuntime.objects.get(repo=space)
    assert runtime.stage == "CONFIG_ERROR"
    assert "The secret HF_TOKEN cannot be decrypted" in runtime.error
    assert "Set the secret again" in runtime.error
    assert run_log.read_text() == runtime.error + "\n"


def test_pages_and_logs_of_a_space_whose_secret_no_key_opens_say_why(
    settings, client, alice, space
):
    add_secret(client, alice, "HF_TOKEN", SECRET)
    run_log = space_log_path(repo=space, kind="run")
    run_log.parent.mkdir(parents=True)
    run_log.write_text(f"the last run printed {SECRET}\n")
    settings.HUB_SECRETS_KEYS = [NEW_KEY]
    token = make_token(alice, name="logs")

    logs = client.get("/api/spaces/alice/demo/logs/run", HTTP_AUTHORIZATION=f"Bearer {token}")
    body = b"".join(logs.streaming_content).decode()
    assert logs.status_code == 200
    assert "The secret HF_TOKEN cannot be decrypted" in body
    assert SECRET not in body
    assert "The secret HF_TOKEN" in space_log_tail(repo=space, kind="run")
    client.force_login(alice)
    for page in ("/spaces/alice/demo", "/spaces/alice/demo/settings", "/spaces/alice/demo/logs"):
        assert client.get(page).status_code == 200, page


@pytest.mark.django_db(transaction=True)
def test_secrets_stored_before_sealing_are_sealed_by_the_migration():
    executor = MigrationExecutor(connection)
    executor.migrate([("spaces", "0001_initial")])
    apps = executor.loader.project_state([("spaces", "0001_initial")]).apps
    user = make_user("alice")
    repo = apps.get_model("registry", "Repo").objects.create(
        namespace_id=user.namespace_id, name="demo", type="space"
    )
    apps.get_model("spaces", "SpaceSecret").objects.create(repo=repo, key="HF_TOKEN", value=SECRET)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    (stored,) = raw_secret_values()
    assert SECRET not in stored
    assert space_env(repo=Repo.objects.get(pk=repo.pk)) == {"HF_TOKEN": SECRET}
