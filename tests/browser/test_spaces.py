"""A Space's page embeds its app; the app runs sandboxed: signed-in visitors' cookies and
session are out of its reach, which the app's own script tries and reports."""

import json

import httpx2 as httpx
from huggingface_hub import HfApi
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, sign_in

# The app tries what a hostile Space would: the hub's cookies, the hub's API with the
# visitor's session (both fetch modes), and the embedding page; it prints what it got.
HOSTILE = """<!doctype html><title>probe</title><h1>Probe</h1><pre id="report">running</pre>
<script>
const report = {};
try { report.cookie = document.cookie; } catch (e) { report.cookie = "blocked: " + e.name; }
try { report.parent = parent.document.title; } catch (e) { report.parent = "blocked: " + e.name; }
async function probe(mode) {
  try {
    const answer = await fetch("/api/whoami-v2", {credentials: mode});
    return answer.status + " " + (await answer.text()).slice(0, 200);
  } catch (e) { return "blocked: " + e.name; }
}
(async () => {
  report.whoami_same_origin = await probe("same-origin");
  report.whoami_include = await probe("include");
  document.getElementById("report").textContent = JSON.stringify(report);
})();
</script>"""


def test_the_space_page_embeds_the_app_which_cannot_use_the_visitors_session(
    page: Page, hub, tmp_path
):
    api = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    repo_id = api.create_repo("alice/probe", repo_type="space", space_sdk="static").repo_id
    (tmp_path / "index.html").write_text(HOSTILE)
    api.upload_folder(folder_path=tmp_path, repo_id=repo_id, repo_type="space")

    sign_in(page, hub, "alice")
    page.goto(f"{hub.url}/spaces/{repo_id}")
    expect(page.locator(".space-stage")).to_have_text("Running")
    frame = page.frame_locator("iframe.space-frame")
    expect(frame.locator("h1")).to_have_text("Probe")
    report_text = frame.locator("#report")
    expect(report_text).not_to_have_text("running", timeout=10_000)
    report = json.loads(report_text.text_content())
    screenshot(page, "space-static")

    # The hub's session cookie exists (alice is signed in) but the app cannot read it...
    assert any(c["name"] == "sessionid" for c in page.context.cookies())
    assert report["cookie"].startswith("blocked")
    assert report["parent"].startswith("blocked")
    # ...nor call the API as alice: no answer names her.
    assert "alice" not in report["whoami_same_origin"]
    assert "alice" not in report["whoami_include"]
    # While the hub's own page, same origin, does see her session.
    whoami = page.evaluate("fetch('/api/whoami-v2').then(r => r.text())")
    assert '"alice"' in whoami


def test_the_logs_page_shows_the_apps_lines_as_they_are_written_secrets_masked(page: Page, hub):
    api = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    repo_id = api.create_repo("alice/chatty", repo_type="space", space_sdk="static").repo_id
    api.add_space_secret(repo_id, "API_KEY", "s3cr3t-value-42")
    auth = {"Authorization": f"Bearer {hub.tokens['alice']}"}
    storage_id = httpx.get(f"{hub.url}/api/spaces/{repo_id}", headers=auth).json()["_id"]
    # Where the run task writes the app's output (spaces.selectors.space_log_path).
    log = hub.data_dir / "spaces" / storage_id / "run.log"
    log.parent.mkdir(parents=True)
    log.write_text("* Running on local URL\n")

    sign_in(page, hub, "alice")
    page.goto(f"{hub.url}/spaces/{repo_id}/logs")
    run_log = page.get_by_label("Run log")
    expect(run_log).to_have_text("* Running on local URL\n")

    with log.open("a") as handle:  # the app prints while the page is open
        handle.write("loaded the model with key s3cr3t-value-42\n")
    expect(run_log).to_contain_text("loaded the model with key ***")
    assert "s3cr3t-value-42" not in page.content()
    screenshot(page, "space-logs")
