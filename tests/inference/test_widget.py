"""Widget examples from the card are computed once per change of card or weights."""

import pytest

from inference.models import WidgetExample
from inference.selectors import widget_get
from inference.services import widget_examples_compute, widget_refresh_enqueue
from tests.inference import tiny
from tests.inference.conftest import commit_folder

pytestmark = pytest.mark.django_db

CARD = {
    "pipeline_tag": "text-classification",
    "widget": [{"text": "i love this movie", "example_title": "Happy"}, {"text": "boring"}],
}


def test_examples_are_computed_once_and_shown_with_their_outputs(
    make_model, fresh_cache, django_capture_on_commit_callbacks
):
    repo = make_model(tiny.text_classifier, "widgets", card=CARD)  # the commit queues them

    with django_capture_on_commit_callbacks() as queued:
        widget_refresh_enqueue(repo)  # nothing changed since: nothing more to compute
    fingerprint = WidgetExample.objects.get(repo=repo, position=0).fingerprint
    widget_examples_compute(repo_pk=repo.pk, fingerprint=fingerprint)

    widget = widget_get(repo=repo)
    assert len(queued) == 0
    assert [e["title"] for e in widget["examples"]] == ["Happy", "Example 2"]
    assert {x["label"] for x in widget["examples"][0]["output"][0]} == {"NEGATIVE", "POSITIVE"}
    assert widget["api_url"] == f"/models/{repo.repo_id}" and widget["supported"]


def test_a_change_to_the_weights_recomputes_but_a_docs_change_does_not(
    alice, make_model, django_capture_on_commit_callbacks
):
    repo = make_model(tiny.text_classifier, "changes", card=CARD)
    with django_capture_on_commit_callbacks() as queued:
        # Every commit to main refreshes the widget (registry.services.repos.repo_refresh).
        (repo.folder / "NOTES.md").write_text("notes")
        commit_folder(alice, repo, repo.folder)
        tiny.text_classifier(repo.folder, card=CARD, seed=3)
        commit_folder(alice, repo, repo.folder)

    # Other listeners (webhooks) queue their own work after each commit too.
    widgets = [c for c in queued if "widget_examples_enqueue" in c.__qualname__]
    assert len(widgets) == 1
    assert set(WidgetExample.objects.filter(repo=repo).values_list("sha", flat=True)) == {
        repo.head_sha
    }
