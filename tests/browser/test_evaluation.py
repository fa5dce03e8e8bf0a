"""Evaluations in a real Chromium: a dataset's owner defines a leaderboard, two models are
submitted, the progress bar moves, the ranking and the plots appear, and a result becomes a
pull request on the model repo."""

import uuid

from huggingface_hub import HfApi
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, sign_in
from tests.contract.conftest import xet_disabled
from tests.evaluation import factories

ROWS = 600
# Every value the progress bars take (the page's own script sets them as it polls).
_WATCH_PROGRESS = """() => {
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.target.tagName === 'PROGRESS') window.reportProgress(Number(r.target.value));
    }
  }).observe(document, {subtree: true, attributes: true, attributeFilter: ['value']});
}"""


def _push(hub, folder, name: str, repo_type: str = "model") -> str:
    api = HfApi(endpoint=hub.url, token=hub.tokens["alice"])
    repo_id = api.create_repo(f"alice/{name}-{uuid.uuid4().hex[:6]}", repo_type=repo_type).repo_id
    with xet_disabled():
        api.upload_folder(folder_path=folder, repo_id=repo_id, repo_type=repo_type)
    return repo_id


def _define_leaderboard(page: Page, hub, dataset: str) -> None:
    page.goto(f"{hub.url}/datasets/{dataset}/evaluations")
    page.get_by_role("link", name="Define a leaderboard").click()
    page.get_by_label("Title").fill("Movie sentiment")
    page.get_by_label("Slug").fill("sentiment")
    page.get_by_label("Task").select_option("text-classification")
    page.get_by_label("Metrics").fill("accuracy, f1_macro")
    page.get_by_role("button", name="Create leaderboard").click()
    expect(page.get_by_role("heading", name="Movie sentiment")).to_be_visible()


def _submit(page: Page, model: str) -> None:
    page.get_by_role("textbox", name="Model").fill(model)
    page.get_by_role("button", name="Submit for evaluation").click()
    expect(page.locator(".message")).to_contain_text(f"Submitted {model}")


_LAYOUT = """() => {
  const names = [...document.querySelectorAll("tbody tr[data-model] td:nth-child(2) a")];
  const plots = [...document.querySelectorAll("svg.plot")].map((svg) => {
    const box = svg.getBoundingClientRect(), view = svg.viewBox.baseVal;
    const figure = svg.closest("figure").getBoundingClientRect();
    return {width: box.width, height: box.height, ratio: view.height / view.width,
            figureWidth: figure.width, right: figure.right};
  });
  return {lines: names.map((a) => a.getClientRects().length), plots};
}"""


def _names_on_one_line_and_plots_sized_to_content(page: Page, width: int) -> None:
    """Model ids never wrap mid-identifier (the table scrolls instead), and each plot keeps
    its drawing's proportions within its figure and the window: a two-row bar chart is
    short, not stretched to a fixed height."""
    layout = page.evaluate(_LAYOUT)
    assert layout["lines"] and set(layout["lines"]) == {1}, (width, layout)
    assert len(layout["plots"]) == 2, layout
    for plot in layout["plots"]:
        assert plot["width"] <= plot["figureWidth"] and plot["right"] <= width + 1, (width, plot)
        assert abs(plot["height"] - plot["width"] * plot["ratio"]) <= 2, (width, plot)
    bars = layout["plots"][0]
    assert bars["height"] < bars["width"] * 0.6, (width, bars)  # two bars: a short chart


def test_a_leaderboard_ranks_two_models_and_a_result_becomes_a_pull_request(
    page: Page, hub, tmp_path
):
    texts = [f"the film was long and the actors in paris were {n} " * 5 for n in range(ROWS)]
    labels = [int(n % 10 < 7) for n in range(ROWS)]  # 70% positive
    dataset = _push(
        hub,
        factories.dataset(tmp_path / "d", {"text": texts, "label": labels}),
        "reviews",
        "dataset",
    )
    steady = _push(hub, factories.constant_classifier(tmp_path / "yes", 1), "yes-man")
    wide = _push(hub, factories.wide_classifier(tmp_path / "wide"), "wide")
    seen: list[float] = []
    page.expose_function("reportProgress", lambda value: seen.append(value))
    page.add_init_script(f"({_WATCH_PROGRESS})()")
    sign_in(page, hub, "alice")

    _define_leaderboard(page, hub, dataset)
    board_url = page.url
    _submit(page, wide)
    pending = page.locator(f'tr[data-model="{wide}"] progress')
    expect(pending).to_be_visible()
    page.locator(f'tr[data-model="{wide}"] a[href^="/evaluations/"]').first.click()
    expect(page.locator(".job [data-state]")).to_have_text("succeeded", timeout=240_000)
    assert seen and seen[-1] == ROWS and any(0 < value < ROWS for value in seen), seen
    screenshot(page, "evaluation-job")
    page.goto(board_url)
    _submit(page, steady)

    expect(page.locator(f'tr[data-model="{steady}"] td[data-metric="accuracy"]')).to_have_text(
        "0.7000", timeout=240_000
    )
    ranks = page.locator("tbody tr td:first-child")
    expect(ranks).to_have_text(["1", "2"])
    first, second = (
        float(page.locator("tbody tr").nth(n).locator('td[data-metric="accuracy"]').inner_text())
        for n in (0, 1)
    )
    assert first >= second
    expect(page.locator("svg.plot")).to_have_count(2)
    expect(page.locator("svg.plot").first.locator("g.bar.verified")).to_have_count(2)
    expect(page.locator("svg.plot").nth(1).locator("g.point")).to_have_count(2)
    page.get_by_role("link", name="F1 (macro)").click()
    expect(page.locator('th[aria-sort="descending"]')).to_have_text("F1 (macro)")
    screenshot(page, "evaluation-leaderboard")
    for width, height in ((1280, 900), (390, 844)):  # desktop, then phone
        page.set_viewport_size({"width": width, "height": height})
        _names_on_one_line_and_plots_sized_to_content(page, width)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.locator(f'tr[data-model="{steady}"] a[href^="/evaluations/"]').click()
    page.get_by_role("button", name="Propose to the model card").click()
    expect(page.locator(".message")).to_contain_text(f"Opened pull request #1 on {steady}")
    page.get_by_role("link", name="View pull request #1").click()

    expect(page).to_have_url(f"{hub.url}/{steady}/discussions/1")
    expect(page.get_by_role("heading", name=f"Add evaluation results on {dataset}")).to_be_visible()
    screenshot(page, "evaluation-pull-request")
