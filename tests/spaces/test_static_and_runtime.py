"""Static Spaces served at their host with the sandbox headers, and the runtime API as
huggingface_hub drives it."""

import httpx2 as httpx
import pytest
from huggingface_hub import SpaceHardware
from huggingface_hub.errors import BadRequestError, HfHubHTTPError, RepositoryNotFoundError

from tests.contract.conftest import make_repo, wire

INDEX = (
    b"<!doctype html><title>demo</title><h1>Hello from a static Space</h1>"
    b"<script src='app.js'></script>"
)
SANDBOX = "sandbox allow-scripts allow-forms allow-popups allow-downloads allow-modals"


def static_space(hub, owner, name, tmp_path, *, private=False) -> str:
    repo_id = make_repo(hub, owner, name, repo_type="space", space_sdk="static", private=private)
    (tmp_path / "index.html").write_bytes(INDEX)
    (tmp_path / "app.js").write_text("document.title = 'ran';\n")
    owner.api(hub).upload_folder(folder_path=tmp_path, repo_id=repo_id, repo_type="space")
    return repo_id


def test_a_static_space_runs_at_its_host_sandboxed(hub, alice, anonymous, repo_name, tmp_path):
    repo_id = static_space(hub, alice, repo_name, tmp_path)
    info = anonymous.api(hub).space_info(repo_id)
    assert info.host == f"{hub.url}/spaces-apps/{repo_id}/"
    assert info.subdomain == repo_id.replace("/", "-").lower()
    assert info.runtime.stage == "RUNNING"
    assert info.runtime.hardware == "cpu-basic"
    page = httpx.get(info.host)
    assert page.status_code == 200 and page.content == INDEX
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-security-policy"] == SANDBOX
    assert "allow-same-origin" not in page.headers["content-security-policy"]
    assert page.headers["access-control-allow-origin"] == "*"
    script = httpx.get(info.host + "app.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert httpx.get(info.host + "missing.css").status_code == 404


def test_a_new_space_without_index_has_no_app_file(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name, repo_type="space", space_sdk="static")
    assert alice.api(hub).get_space_runtime(repo_id).stage == "NO_APP_FILE"


def test_it_hides_a_private_space_app_from_charlie(hub, alice, charlie, repo_name, tmp_path):
    repo_id = static_space(hub, alice, repo_name, tmp_path, private=True)
    host = alice.api(hub).space_info(repo_id).host
    assert wire(hub, alice).get(host).content == INDEX
    assert wire(hub, charlie).get(host).status_code == 404
    assert httpx.get(host).status_code == 401
    with pytest.raises(RepositoryNotFoundError):
        charlie.api(hub).get_space_runtime(repo_id)


def test_a_docker_space_is_a_config_error_that_says_why(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name, repo_type="space", space_sdk="docker")
    runtime = alice.api(hub).get_space_runtime(repo_id)
    assert runtime.stage == "CONFIG_ERROR"
    assert "container engine" in runtime.raw["errorMessage"]


def test_runtime_calls_pause_restart_and_sleep_time(hub, alice, bob, repo_name, tmp_path):
    repo_id = static_space(hub, alice, repo_name, tmp_path)
    api = alice.api(hub)
    assert api.pause_space(repo_id).stage == "PAUSED"
    assert httpx.get(f"{hub.url}/spaces-apps/{repo_id}/").status_code == 503
    assert api.restart_space(repo_id, factory_reboot=True).stage == "RUNNING"
    with pytest.warns(UserWarning):
        assert api.set_space_sleep_time(repo_id, 600).sleep_time == 600
    with pytest.raises(HfHubHTTPError) as refused:
        bob.api(hub).pause_space(repo_id)
    assert refused.value.response.status_code == 403


def test_only_cpu_basic_hardware_is_offered(hub, alice, repo_name, tmp_path):
    repo_id = static_space(hub, alice, repo_name, tmp_path)
    api = alice.api(hub)
    assert api.request_space_hardware(repo_id, SpaceHardware.CPU_BASIC).hardware == "cpu-basic"
    with pytest.raises(BadRequestError, match="only"):
        api.request_space_hardware(repo_id, SpaceHardware.T4_MEDIUM)


def test_secrets_are_never_echoed_and_variables_are(hub, alice, charlie, repo_name, tmp_path):
    repo_id = static_space(hub, alice, repo_name, tmp_path)
    api = alice.api(hub)
    api.add_space_secret(repo_id, "API_KEY", "s3cr3t-value-42", description="the key")
    variables = api.add_space_variable(repo_id, "MODEL", "alice/bert")
    assert variables["MODEL"].value == "alice/bert"
    secrets = api.get_space_secrets(repo_id)
    assert set(secrets) == {"API_KEY"} and secrets["API_KEY"].description == "the key"
    client = wire(hub, alice)
    answers = [
        client.get(f"/api/spaces/{repo_id}/secrets"),
        client.get(f"/api/spaces/{repo_id}/variables"),
        client.get(f"/api/spaces/{repo_id}/runtime"),
        client.get(f"/api/spaces/{repo_id}"),
        client.get(f"/spaces/{repo_id}/settings", headers={"Cookie": ""}),
    ]
    assert all("s3cr3t-value-42" not in a.text for a in answers)
    with pytest.raises(HfHubHTTPError):
        charlie.api(hub).get_space_secrets(repo_id)
    api.delete_space_secret(repo_id, "API_KEY")
    assert api.get_space_secrets(repo_id) == {}
    assert api.delete_space_variable(repo_id, "MODEL") == {}


def test_duplicate_copies_files_and_variables_not_secrets(hub, alice, bob, repo_name, tmp_path):
    repo_id = static_space(hub, alice, repo_name, tmp_path)
    alice.api(hub).add_space_variable(repo_id, "GREETING", "hi")
    alice.api(hub).add_space_secret(repo_id, "TOKEN", "never-copied")
    url = bob.api(hub).duplicate_repo(
        repo_id, repo_type="space", space_secrets=[{"key": "OWN", "value": "bobs"}]
    )
    copy = url.repo_id
    assert copy == f"bob/{repo_name}"
    assert httpx.get(f"{hub.url}/spaces-apps/{copy}/").content == INDEX
    bob_api = bob.api(hub)
    assert bob_api.get_space_variables(copy)["GREETING"].value == "hi"
    assert set(bob_api.get_space_secrets(copy)) == {"OWN"}
    assert bob_api.get_space_runtime(copy).stage == "RUNNING"


def test_list_spaces_gives_each_spaces_runtime(hub, alice, repo_name, tmp_path):
    running = static_space(hub, alice, repo_name, tmp_path)
    empty = make_repo(hub, alice, repo_name + "-empty", repo_type="space", space_sdk="static")
    api = alice.api(hub)

    expanded = {s.id: s for s in api.list_spaces(search=repo_name, expand=["runtime", "sdk"])}
    assert expanded[running].runtime.stage == "RUNNING"
    assert expanded[running].runtime.hardware == "cpu-basic"
    assert expanded[running].sdk == "static"
    assert expanded[empty].runtime.stage == "NO_APP_FILE"
    assert expanded[running].likes is None  # only what was asked for

    full = {s.id: s for s in api.list_spaces(search=repo_name, full=True)}
    assert full[running].runtime.stage == "RUNNING"
    assert full[running].host == f"{hub.url}/spaces-apps/{running}/"
    assert {s.rfilename for s in full[running].siblings} >= {"index.html", "app.js"}
    # Not asked for, not looked up.
    assert {s.runtime for s in api.list_spaces(search=repo_name)} == {None}


def test_fetch_space_logs_reads_the_run_log_with_secrets_masked(
    hub, alice, charlie, repo_name, tmp_path
):
    repo_id = static_space(hub, alice, repo_name, tmp_path, private=True)
    api = alice.api(hub)
    api.add_space_secret(repo_id, "API_KEY", "s3cr3t-value-42")
    storage_id = wire(hub, alice).get(f"/api/spaces/{repo_id}").json()["_id"]
    # Where the run task writes the app's output (spaces.selectors.space_log_path).
    log = hub.data_dir / "spaces" / storage_id / "run.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("* Running on local URL\nusing key s3cr3t-value-42\n")

    assert list(api.fetch_space_logs(repo_id)) == ["* Running on local URL\n", "using key ***\n"]
    with pytest.raises(RepositoryNotFoundError):
        list(charlie.api(hub).fetch_space_logs(repo_id))
