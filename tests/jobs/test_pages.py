"""The jobs pages in a real browser: a namespace's jobs, one job's stage and its log as it
streams, for its members only."""

from playwright.sync_api import Browser, expect

from tests.browser.conftest import DESKTOP, screenshot, sign_in

SLOW = "import time\nfor i in range(3):\n    print(f'step {i}', flush=True)\n    time.sleep(1)"


def test_alice_watches_her_jobs_log_stream_on_its_page(hub, alice, browser: Browser):
    job = alice.api(hub).run_job(image="python:3.12", command=["python", "-c", SLOW])
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, hub, "alice")
    page.goto(f"{hub.url}/jobs/alice/{job.id}")
    log = page.get_by_label("Job log")
    expect(log).to_contain_text("step 0", timeout=30_000)
    expect(page.locator("h1 .job-stage")).to_have_text("COMPLETED", timeout=30_000)
    expect(log).to_contain_text("step 0\nstep 1\nstep 2")
    screenshot(page, "job")
    page.goto(f"{hub.url}/jobs/alice")
    row = page.get_by_role("row").filter(has_text=job.id)
    expect(row).to_contain_text("COMPLETED")
    row.get_by_role("link").click()
    expect(page).to_have_url(f"{hub.url}/jobs/alice/{job.id}")
    context.close()


def test_charlie_gets_no_page_of_alices_jobs(hub, alice, browser: Browser):
    job = alice.api(hub).run_job(image="python:3.12", command=["true"])
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, hub, "charlie")
    assert page.goto(f"{hub.url}/jobs/alice/{job.id}").status == 404
    assert page.goto(f"{hub.url}/jobs/alice").status == 403
    context.close()


def test_alice_cancels_a_running_job_from_its_page(hub, alice, browser: Browser):
    api = alice.api(hub)
    job = api.run_job(image="python:3.12", command=["sleep", "600"])
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, hub, "alice")
    page.goto(f"{hub.url}/jobs/alice/{job.id}")
    page.get_by_role("button", name="Cancel job").click()
    expect(page.locator("h1 .job-stage")).to_have_text("CANCELED")
    expect(page.get_by_label("Status message")).to_have_text("Canceled by alice")
    assert api.inspect_job(job_id=job.id).status.stage == "CANCELED"
    context.close()
