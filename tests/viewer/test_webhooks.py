"""A conversion's commit to refs/convert/parquet reaches the dataset's webhooks as on the
Hub: a repo.content update whose updatedRefs name that ref (and not main), so receivers
tell a data change from its conversion."""

import pytest

from tests.viewer.factories import make_converted
from webhooks.models import Delivery
from webhooks.services.settings import webhook_create

pytestmark = pytest.mark.django_db


def test_a_conversion_reaches_the_webhooks_as_an_update_of_refs_convert_parquet(
    alice, django_capture_on_commit_callbacks
):
    hook = webhook_create(user=alice, token=None, base_url="http://testserver", body={
        "url": "https://example.com/hook", "domains": ["repo"],
        "watched": [{"type": "dataset", "name": "alice/reviews"}],
    })  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        conversion = make_converted(alice, "reviews")

    updates = [d.payload for d in Delivery.objects.filter(webhook=hook, scope="repo.content")]
    refs = [ref for payload in updates for ref in payload["updatedRefs"]]
    converted = [r for r in refs if r["ref"] == "refs/convert/parquet"]
    assert [r["newSha"] for r in converted] == [conversion.convert_sha]
    assert {r["ref"] for r in refs} == {"refs/heads/main", "refs/convert/parquet"}
    payload = next(p for p in updates if p["updatedRefs"] == converted)
    assert payload["event"] == {"action": "update", "scope": "repo.content"}
    assert payload["repo"]["headSha"] == conversion.revision
