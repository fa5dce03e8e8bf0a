"""A private static Space's files are read through the read path, so each page served is an
audit event as a download is; a public Space's visitors are anyone and are not recorded."""

import pytest
from django.test import Client

from audit.models import AuditEvent
from audit.services import spool_flush
from tests.personas import make_token, make_user
from tests.spaces.factories import make_space

pytestmark = pytest.mark.django_db


def test_a_private_static_spaces_page_is_an_audit_event_a_public_ones_is_not(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    alice = make_user("alice")
    settings.HUB_DATA_DIR = tmp_path
    spool_flush()
    private = make_space(alice, "secret-site", sdk="static", private=True)
    public = make_space(alice, "open-site", sdk="static")
    owner = Client(headers={"Authorization": f"Bearer {make_token(alice)}"})

    with django_capture_on_commit_callbacks(execute=True):
        for space in (private, public):
            answer = owner.get(f"/spaces-apps/{space.repo_id}/")
            assert answer.status_code == 200
            assert b"".join(answer.streaming_content) == b"<h1>hi</h1>"
        assert owner.head(f"/spaces-apps/{private.repo_id}/").status_code == 200
    spool_flush()

    reads = AuditEvent.objects.filter(action="repo.read")
    assert [(e.actor, e.repo, e.path, e.bytes) for e in reads] == [
        ("alice", "alice/secret-site", "index.html", 11)
    ]
