"""The inference widget in headless Chromium, on the standalone /models/<repo>/widget page."""

import json

import pytest
from playwright.sync_api import expect

from tests.contract.conftest import wire
from tests.contract.test_inference import WAIT, push
from tests.inference import tiny
from tests.live import wait_until

pytestmark = pytest.mark.live

CARD = {
    "pipeline_tag": "text-classification",
    "widget": [{"text": "i love this movie", "example_title": "Happy"}, {"text": "so boring"}],
}
REFRESH = """
from inference.services import widget_refresh_enqueue
from registry.models import Repo
namespace, name = {repo_id!r}.split("/")
widget_refresh_enqueue(Repo.objects.get(type="model", namespace__name=namespace, name=name))
"""


@pytest.fixture(scope="module")
def classifier(hub, alice, tmp_path_factory) -> str:
    """A model whose card examples the worker computed, as the hook on main's refresh does."""
    repo_id = push(hub, alice, tiny.text_classifier(tmp_path_factory.mktemp("w"), card=CARD),
                   name="widget")  # fmt: skip
    hub.manage("shell", "-c", REFRESH.format(repo_id=repo_id))
    with wire(hub, alice) as http:
        wait_until(lambda: '"output": [[' in http.get(f"/models/{repo_id}/widget").text,
                   timeout=60, message="the widget examples to be computed")  # fmt: skip
    return repo_id


def test_the_page_shows_the_first_example_with_its_precomputed_scores(hub, browser, classifier):
    page = browser.new_page()
    page.goto(f"{hub.url}/models/{classifier}/widget")

    bars = page.locator(".iw-bar")
    expect(bars).to_have_count(2)
    expect(page.locator("textarea[name=text]")).to_have_value("i love this movie")
    assert sorted(bars.locator(".iw-bar-label").all_inner_texts()) == ["NEGATIVE", "POSITIVE"]
    assert page.locator(".iw-examples option").all_inner_texts() == ["Happy", "Example 2"]
    page.screenshot(path=str(hub.data_dir / "widget.png"))


def test_typing_a_text_and_computing_draws_the_api_answer_as_bars(hub, alice, browser, classifier):
    with wire(hub, alice) as http:
        expected = http.post(f"/models/{classifier}", json={"inputs": "what a film"}, headers=WAIT)
    page = browser.new_page()
    page.goto(f"{hub.url}/models/{classifier}/widget")

    page.locator("textarea[name=text]").fill("what a film")
    page.get_by_role("button", name="Compute").click()

    first = expected.json()[0][0]
    expect(page.locator(".iw-bar").first.locator(".iw-score")).to_have_text(f"{first['score']:.3f}")
    expect(page.locator(".iw-bar").first.locator(".iw-bar-label")).to_have_text(first["label"])


def test_a_bad_input_shows_the_error_code_and_message(hub, alice, browser, tmp_path):
    repo_id = push(hub, alice, tiny.masked_lm(tmp_path / "fm"), name="widget-mask")
    page = browser.new_page()
    page.goto(f"{hub.url}/models/{repo_id}/widget")

    page.locator("textarea[name=text]").fill("there is no mask token here")
    page.get_by_role("button", name="Compute").click()

    error = page.locator(".iw-error")
    # The worker loads the new model first: longer than expect's 5 s on a busy machine.
    expect(error).to_contain_text("InvalidInputs", timeout=60_000)
    expect(error).to_contain_text("No mask_token")


def test_the_widget_data_is_json_the_page_never_runs(hub, alice, tmp_path):
    card = {"pipeline_tag": "text-classification",
            "widget": [{"text": "</script><script>alert(1)</script>"}]}  # fmt: skip
    repo_id = push(hub, alice, tiny.text_classifier(tmp_path / "x", card=card), name="widget-xss")

    with wire(hub, alice) as http:
        page = http.get(f"/models/{repo_id}/widget")

    assert (
        page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
    )
    assert "<script>alert(1)" not in page.text
    data = page.text.split('type="application/json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(data)["examples"][0]["inputs"] == "</script><script>alert(1)</script>"
