"""Discussion comments edited and hidden, status filters, renames and status changes, with
the real client (`edit_discussion_comment`, `hide_discussion_comment`, ...)."""

import pytest
from huggingface_hub.errors import HfHubHTTPError

from tests.contract.conftest import make_repo

pytestmark = pytest.mark.live


@pytest.fixture
def repo(hub, alice, repo_name):
    """alice's empty public repo."""
    return make_repo(hub, alice, repo_name)


def _first_comment(details):
    return [event for event in details.events if event.type == "comment"][0]


def test_alice_edits_her_comment_and_its_history_keeps_the_first_text(hub, alice, repo):
    api = alice.api(hub)
    pr = api.create_discussion(repo, title="PR", description="first text", pull_request=True)

    edited = api.edit_discussion_comment(repo, pr.num, _first_comment(pr).id, "**Edited** 🤗")
    retrieved = _first_comment(api.get_discussion_details(repo, pr.num))

    assert retrieved == edited
    assert (retrieved.edited, retrieved.hidden, retrieved.content) == (True, False, "**Edited** 🤗")
    assert [v["raw"] for v in retrieved.edit_history] == ["**Edited** 🤗", "first text"]
    assert retrieved.last_edited_by == "alice"


def test_charlie_cannot_edit_alices_comment_nor_hide_it(hub, alice, charlie, repo):
    opened = alice.api(hub).create_discussion(repo, title="Q", description="mine")
    comment_id = _first_comment(opened).id

    for call in (
        lambda: charlie.api(hub).edit_discussion_comment(repo, opened.num, comment_id, "x"),
        lambda: charlie.api(hub).hide_discussion_comment(repo, opened.num, comment_id),
    ):
        with pytest.raises(HfHubHTTPError) as refused:
            call()
        assert refused.value.response.status_code == 403
    assert _first_comment(alice.api(hub).get_discussion_details(repo, opened.num)).content == "mine"


def test_alice_as_maintainer_hides_charlies_comment_for_good(hub, alice, charlie, repo):
    opened = charlie.api(hub).create_discussion(repo, title="Spam", description="buy now")

    hidden = alice.api(hub).hide_discussion_comment(repo, opened.num, _first_comment(opened).id)
    retrieved = _first_comment(charlie.api(hub).get_discussion_details(repo, opened.num))

    assert (hidden.hidden, retrieved.hidden) == (True, True)
    assert "buy now" not in retrieved.content
    assert all("buy now" not in version["raw"] for version in retrieved.edit_history)
    with pytest.raises(HfHubHTTPError) as again:
        charlie.api(hub).edit_discussion_comment(repo, opened.num, retrieved.id, "back")
    assert again.value.response.status_code == 400


def test_a_comment_of_another_discussion_is_not_found(hub, alice, repo):
    api = alice.api(hub)
    first = api.create_discussion(repo, title="one", description="text")
    second = api.create_discussion(repo, title="two")

    with pytest.raises(HfHubHTTPError) as missing:
        api.edit_discussion_comment(repo, second.num, _first_comment(first).id, "moved")

    assert missing.value.response.status_code == 404


def test_status_filters_count_draft_prs_as_open_and_merged_as_closed(hub, alice, repo):
    api = alice.api(hub)
    pr = api.create_discussion(repo, title="Draft PR", pull_request=True)
    talk = api.create_discussion(repo, title="Talk")
    api.change_discussion_status(repo, talk.num, "closed")

    def nums(**filters):
        return [d.num for d in api.get_repo_discussions(repo, **filters)]

    assert nums(discussion_status="open") == [pr.num]
    assert nums(discussion_status="closed") == [talk.num]
    assert nums(discussion_status="all") == [talk.num, pr.num]
    assert nums(discussion_type="pull_request", discussion_status="open") == [pr.num]
    assert nums(author="unknown") == []


def test_renames_and_status_changes_are_events_of_the_discussion(hub, alice, repo):
    api = alice.api(hub)
    talk = api.create_discussion(repo, title="Old title")

    renamed = api.rename_discussion(repo, talk.num, "New title2")
    closed = api.change_discussion_status(repo, talk.num, "closed", comment="done")
    details = api.get_discussion_details(repo, talk.num)

    assert (renamed.old_title, renamed.new_title) == ("Old title", "New title2")
    assert closed.new_status == "closed"
    assert {renamed.id, closed.id} <= {event.id for event in details.events}
    assert (details.title, details.status) == ("New title2", "closed")
