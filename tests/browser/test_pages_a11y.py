"""Every main page in a real Chromium, at desktop and phone widths: axe-core finds no serious
or critical accessibility problem, no page logs a console error, and the header's type-ahead
works from the keyboard."""

import json
import struct
import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe
from huggingface_hub import CommitOperationAdd, HfApi
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, sign_in

SERIOUS = {"serious", "critical"}
CARD = (
    "---\nlicense: apache-2.0\npipeline_tag: text-classification\nlibrary_name: transformers\n"
    "---\n# Tiny model\n\n| split | rows |\n|---|---|\n| train | 10 |\n\nSee https://example.com\n"
)


def _weights() -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [4, 3], "data_offsets": [0, 48]}})
    return struct.pack("<Q", len(header)) + header.encode() + b"\0" * 48


@pytest.fixture(scope="module")
def site(hub) -> dict[str, str]:
    """A model with weights and a discussion, a dataset, a Space using the model and an org;
    the pages to check, by name."""
    alice = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    suffix = uuid.uuid4().hex[:6]
    model = alice.create_repo(f"alice/tiny-{suffix}").repo_id
    alice.create_commit(
        model,
        [
            CommitOperationAdd("README.md", CARD.encode()),
            CommitOperationAdd("model.safetensors", _weights()),
            CommitOperationAdd("config.json", b'{"model_type": "bert"}'),
        ],
        commit_message="Add the model",
    )
    space = alice.create_repo(f"alice/demo-{suffix}", repo_type="space", space_sdk="static")
    alice.upload_file(
        path_or_fileobj=f"---\nsdk: static\nmodels: [{model}]\n---\n".encode(),
        path_in_repo="README.md",
        repo_id=space.repo_id,
        repo_type="space",
    )
    talk = alice.create_discussion(model, title="Usage", description="Try `pipe(x)`: https://a.b")
    org = f"org{suffix}"
    hub.manage("createorg", org, "--fullname", "Org", "--member", "alice:admin")
    return {
        "home": "/",
        "model": f"/{model}",
        "files": f"/{model}/tree/main",
        "commits": f"/{model}/commits/main",
        "community": f"/{model}/discussions",
        "discussion": f"/{model}/discussions/{talk.num}",
        "search": "/search?q=tiny",
        "new repo": "/new",
        "org": f"/{org}",
        "docs": "/docs/clients",
        "leaderboards": "/leaderboards",
        "model id": model,
    }


@pytest.fixture(scope="module")
def signed_in(browser: Browser, hub):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(f"{page.url}: {m.text}"))
    page.on("pageerror", lambda e: page.errors.append(f"{page.url}: {e}"))
    sign_in(page, hub, "alice")
    yield page
    context.close()


def _serious(page: Page) -> list[str]:
    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in SERIOUS
    ]


def test_the_main_pages_have_no_serious_accessibility_finding_nor_console_error(
    signed_in: Page, hub, site
):
    findings = {}
    for name, path in site.items():
        if name == "model id":
            continue
        signed_in.goto(hub.url + path)
        for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            signed_in.set_viewport_size(viewport)
            if problems := _serious(signed_in):
                findings[f"{name} at {width}"] = problems

    assert findings == {}
    assert signed_in.errors == []


def test_the_header_suggests_a_model_as_you_type_and_enter_opens_it(signed_in: Page, hub, site):
    signed_in.set_viewport_size(DESKTOP)
    signed_in.goto(hub.url + "/docs")
    box = signed_in.get_by_role("combobox", name="Search models, datasets, Spaces")

    box.press_sequentially(site["model id"].split("/")[1][:9])
    expect(signed_in.get_by_role("option", name=site["model id"])).to_be_visible()
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "topsearch-option-0")
    box.press("Enter")

    signed_in.wait_for_url(f"{hub.url}/{site['model id']}")
    expect(signed_in.get_by_text("Spaces using this model")).to_be_visible()


def test_a_commit_id_is_copied_with_its_button(signed_in: Page, hub, site):
    signed_in.goto(hub.url + site["commits"])

    button = signed_in.get_by_role("button", name="Copy the id of commit").first
    button.click()

    expect(button).to_have_text("Copied")
