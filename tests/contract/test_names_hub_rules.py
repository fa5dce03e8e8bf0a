"""Names as the Hub allows them: underscores and dots in user and organization names, so
huggingface_hub's CI personas (`__DUMMY_HUB_USER__`, `DVUser`, org `valid_org_hub`) exist
here and every route takes them."""

import pytest
from huggingface_hub import HfApi

from tests.contract.conftest import wire

pytestmark = pytest.mark.live

DUMMY, ORG = "__DUMMY_HUB_USER__", "valid_org_hub"


@pytest.fixture(scope="module")
def dummy(hub) -> HfApi:
    """The client suite's personas, made the way an operator would: manage.py."""
    hub.manage("createuser", DUMMY, "--fullname", "Dummy User", "--password", "dummy-pass-123")
    hub.manage("createuser", "DVUser", "--password", "dvuser-pass-123")
    hub.manage("createorg", ORG, "--member", f"{DUMMY}:admin")
    printed = hub.manage("createtoken", DUMMY, "--value", "hf_HubCITokenXXXXXXXXXXXXXXXXXXXXX")
    return HfApi(endpoint=hub.url, token=printed.stdout.strip().splitlines()[-1])


def test_the_client_suites_personas_can_be_created_and_sign_in(dummy):
    me = dummy.whoami()

    assert me["name"] == DUMMY
    assert me["fullname"] == "Dummy User"
    assert [(org["name"], org["roleInOrg"]) for org in me["orgs"]] == [(ORG, "admin")]


def test_repos_under_underscored_and_dotted_names_work_end_to_end(hub, dummy):
    repo_id = dummy.create_repo(f"{ORG}/_model.v1_").repo_id
    dummy.upload_file(repo_id=repo_id, path_in_repo="a.txt", path_or_fileobj=b"hello")

    assert repo_id == f"{ORG}/_model.v1_"
    assert dummy.model_info(repo_id).id == repo_id
    assert [m.id for m in dummy.list_models(author=ORG)] == [repo_id]
    with open(dummy.hf_hub_download(repo_id, "a.txt"), "rb") as handle:
        assert handle.read() == b"hello"


def test_pages_of_underscored_names_route(hub, dummy):
    repo_id = dummy.create_repo(f"{DUMMY}/page-check", repo_type="dataset").repo_id
    client = wire(hub, type("P", (), {"token": False, "read_token": False})())

    assert client.get(f"/{DUMMY}").status_code == 200
    assert client.get(f"/{ORG}").status_code == 200
    assert DUMMY in client.get(f"/datasets/{repo_id}").text
    assert client.get(f"/datasets/{repo_id}/tree/main").status_code == 200


@pytest.mark.parametrize("name", ["-lead", "trail.", "a--b", "a..b", "api"])
def test_names_the_hub_refuses_stay_refused(hub, name):
    made = hub.manage("createuser", name, "--password", "pw-12345678", check=False)

    assert made.returncode != 0
    assert "name" in made.stderr.lower()


def test_names_stay_unique_whatever_their_case(hub, dummy):
    made = hub.manage("createorg", ORG.upper(), check=False)

    assert made.returncode != 0
