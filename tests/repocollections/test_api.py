"""Collections through huggingface_hub's own calls: create, read, list, update, delete, and
items (repos, papers, other collections) with notes and order; private ones stay hidden."""

import uuid

import pytest
from huggingface_hub import Collection
from huggingface_hub.errors import HfHubHTTPError

from tests.contract.conftest import make_repo, wire

pytestmark = pytest.mark.live


def _title() -> str:
    return f"My cool stuff {uuid.uuid4()}"


def _status(call) -> int:
    with pytest.raises(HfHubHTTPError) as caught:
        call()
    return caught.value.response.status_code


def test_alice_creates_a_collection_whose_slug_and_url_name_it(hub, alice):
    title = _title()
    collection = alice.api(hub).create_collection(title, description="Contains cool stuff")

    assert isinstance(collection, Collection)
    assert collection.title == title
    assert collection.description == "Contains cool stuff"
    assert collection.items == []
    assert collection.private is False
    assert collection.slug.startswith(f"alice/{title.lower().replace(' ', '-')}-")
    assert len(collection.slug.rsplit("-", 1)[1]) == 24
    assert collection.url == f"{hub.url}/collections/{collection.slug}"
    assert collection.owner["name"] == "alice"
    assert collection.owner["type"] == "user"


def test_a_second_collection_with_the_same_title_is_a_conflict_unless_exists_ok(hub, alice):
    api, title = alice.api(hub), _title()
    first = api.create_collection(title)

    assert _status(lambda: api.create_collection(title)) == 409
    again = api.create_collection(title, description="ignored", exists_ok=True)

    assert again.slug == first.slug
    assert again.description is None


def test_update_collection_metadata_renames_the_slug_and_keeps_its_id(hub, alice):
    api = alice.api(hub)
    before = api.create_collection(_title())
    new_title = f"New title {uuid.uuid4()}"

    after = api.update_collection_metadata(
        before.slug, title=new_title, description="New description", private=True, theme="pink"
    )

    assert (after.title, after.description, after.private, after.theme) == (
        new_title, "New description", True, "pink",
    )  # fmt: skip
    assert after.slug != before.slug
    assert after.slug.split("-")[-1] == before.slug.split("-")[-1]
    assert api.get_collection(before.slug).slug == after.slug
    assert api.get_collection(after.slug).title == new_title


def test_update_collection_metadata_moves_it_in_the_owners_order(hub, bob):
    api = bob.api(hub)
    slugs = [api.create_collection(_title(), namespace="bob").slug for _ in range(3)]

    moved = api.update_collection_metadata(slugs[2], position=0)

    assert moved.position == 0
    assert [api.get_collection(slug).position for slug in slugs] == [1, 2, 0]


def test_delete_collection_twice_is_a_404_unless_missing_ok(hub, alice):
    api = alice.api(hub)
    collection = api.create_collection(_title())

    api.delete_collection(collection.slug)

    assert _status(lambda: api.get_collection(collection.slug)) == 404
    assert _status(lambda: api.delete_collection(collection.slug)) == 404
    api.delete_collection(collection.slug, missing_ok=True)


def test_items_are_added_noted_reordered_and_deleted(hub, alice, repo_name):
    api = alice.api(hub)
    model = make_repo(hub, alice, f"{repo_name}-m")
    dataset = make_repo(hub, alice, f"{repo_name}-d", repo_type="dataset")
    space = make_repo(hub, alice, f"{repo_name}-s", repo_type="space", space_sdk="static")
    nested = api.create_collection(f"nested {uuid.uuid4()}").slug
    slug = api.create_collection(_title()).slug

    api.add_collection_item(slug, model, "model", note="This is my model")
    api.add_collection_item(slug, dataset, "dataset")
    api.add_collection_item(slug, nested, "collection")
    api.add_collection_item(slug, space, "space")
    added = api.add_collection_item(slug, "2307.09288", "paper", note="Llama 2")

    assert [(i.item_id, i.item_type) for i in added.items] == [
        (model, "model"), (dataset, "dataset"), (nested, "collection"),
        (space, "space"), ("2307.09288", "paper"),
    ]  # fmt: skip
    assert [i.note for i in added.items] == ["This is my model", None, None, None, "Llama 2"]
    assert [i.position for i in added.items] == [0, 1, 2, 3, 4]

    assert _status(lambda: api.add_collection_item(slug, model, "model")) == 409
    assert len(api.add_collection_item(slug, model, "model", exists_ok=True).items) == 5
    assert _status(lambda: api.add_collection_item(slug, model, "dataset")) == 404

    api.update_collection_item(slug, added.items[0].item_object_id, note="New note", position=1)
    reordered = api.get_collection(slug).items
    assert [i.item_id for i in reordered[:2]] == [dataset, model]
    assert reordered[1].note == "New note"

    api.delete_collection_item(slug, reordered[1].item_object_id)
    api.delete_collection_item(slug, reordered[1].item_object_id, missing_ok=True)
    assert _status(lambda: api.delete_collection_item(slug, reordered[1].item_object_id)) == 404
    remaining = api.get_collection(slug).items
    assert [i.item_id for i in remaining] == [dataset, nested, space, "2307.09288"]
    assert [i.position for i in remaining] == [0, 1, 2, 3]


def test_a_paper_is_an_arxiv_id_or_a_web_link_and_nothing_else(hub, alice):
    api = alice.api(hub)
    slug = api.create_collection(_title()).slug

    api.add_collection_item(slug, "https://example.org/paper.pdf", "paper")

    assert _status(lambda: api.add_collection_item(slug, "javascript:alert(1)", "paper")) == 400
    assert _status(lambda: api.add_collection_item(slug, "alice/bucket", "bucket")) == 400
    assert _status(lambda: api.add_collection_item(slug, slug, "collection")) == 400
    paper = wire(hub, alice).get(f"/api/collections/{slug}").json()["items"][0]
    assert paper["url"] == "https://example.org/paper.pdf"


def test_list_collections_filters_by_owner_and_item_and_stops_at_limit(hub, alice, bob, repo_name):
    model = make_repo(hub, alice, repo_name)
    holders = []
    for _ in range(3):
        slug = alice.api(hub).create_collection(_title()).slug
        alice.api(hub).add_collection_item(slug, model, "model")
        holders.append(slug)
    bobs = bob.api(hub).create_collection(_title(), namespace="bob").slug

    listed = list(bob.api(hub).list_collections(item=f"models/{model}"))
    mine = [c.slug for c in bob.api(hub).list_collections(owner="bob", limit=500)]
    limited = list(bob.api(hub).list_collections(owner="alice", limit=2))

    assert sorted(c.slug for c in listed) == sorted(holders)
    assert all(c.items[0].item_id == model for c in listed)
    assert bobs in mine and not set(holders) & set(mine)
    assert len(limited) == 2 and all(c.owner["name"] == "alice" for c in limited)


def test_list_collections_sorts_by_last_update_and_pages_with_links(hub, charlie):
    api = charlie.api(hub)
    slugs = [api.create_collection(_title()).slug for _ in range(3)]
    api.update_collection_metadata(slugs[0], description="touched last")

    first = wire(hub, charlie).get(
        "/api/collections", params={"owner": "charlie", "sort": "lastModified", "limit": 2}
    )

    assert [c["slug"] for c in first.json()] == [slugs[0], slugs[2]]
    assert "position" not in first.json()[0]
    assert 'rel="next"' in first.headers["Link"]
    everything = [c.slug for c in api.list_collections(owner="charlie", sort="lastModified")]
    assert everything[:3] == [slugs[0], slugs[2], slugs[1]]
    assert _status(lambda: list(api.list_collections(sort="sideways"))) == 400


def test_charlie_cannot_see_alices_private_collection(hub, alice, charlie, anonymous):
    slug = alice.api(hub).create_collection(_title(), private=True).slug

    assert alice.api(hub).get_collection(slug).private is True
    assert _status(lambda: charlie.api(hub).get_collection(slug)) == 404
    assert _status(lambda: anonymous.api(hub).get_collection(slug)) == 404
    assert slug not in [c.slug for c in charlie.api(hub).list_collections(owner="alice")]
    assert wire(hub, anonymous).get(f"/collections/{slug}").status_code == 404

    alice.api(hub).update_collection_metadata(slug, private=False)
    assert charlie.api(hub).get_collection(slug).private is False


def test_bob_sees_and_curates_acmes_private_collection_and_charlie_does_neither(
    hub, alice, bob, charlie
):
    slug = alice.api(hub).create_collection(_title(), namespace="acme", private=True).slug

    bob.api(hub).update_collection_metadata(slug, description="bob was here")

    assert bob.api(hub).get_collection(slug).description == "bob was here"
    assert _status(lambda: charlie.api(hub).get_collection(slug)) == 404
    assert _status(lambda: charlie.api(hub).create_collection(_title(), namespace="acme")) == 403


def test_a_private_repo_in_a_public_collection_is_hidden_from_charlie(
    hub, alice, charlie, anonymous, repo_name
):
    public = make_repo(hub, alice, f"{repo_name}-pub")
    secret = make_repo(hub, alice, f"{repo_name}-secret", private=True)
    slug = alice.api(hub).create_collection(_title()).slug
    alice.api(hub).add_collection_item(slug, secret, "model", note="secret note")
    alice.api(hub).add_collection_item(slug, public, "model")

    assert [i.item_id for i in alice.api(hub).get_collection(slug).items] == [secret, public]
    for outsider in (charlie, anonymous):
        assert [i.item_id for i in outsider.api(hub).get_collection(slug).items] == [public]
        assert list(outsider.api(hub).list_collections(item=f"models/{secret}")) == []
        listed = outsider.api(hub).list_collections(owner="alice")
        assert secret not in str([c.items for c in listed])
        page = wire(hub, outsider).get(f"/collections/{slug}")
        assert page.status_code == 200 and public in page.text
        assert secret not in page.text and "secret note" not in page.text
    assert _status(lambda: charlie.api(hub).add_collection_item(
        charlie.api(hub).create_collection(_title()).slug, secret, "model")) == 404  # fmt: skip


def test_charlie_and_read_tokens_cannot_change_alices_collection(hub, alice, charlie, anonymous):
    slug = alice.api(hub).create_collection(_title()).slug
    signed_out = wire(hub, anonymous).post(
        "/api/collections", json={"title": _title(), "namespace": "alice"}
    )
    assert signed_out.status_code == 401
    item = alice.api(hub).add_collection_item(slug, "2106.09685", "paper").items[0]
    outsider, reader = charlie.api(hub), alice.api(hub, read_only=True)

    for api in (outsider, reader):
        assert _status(lambda a=api: a.update_collection_metadata(slug, title="mine")) == 403
        assert _status(lambda a=api: a.add_collection_item(slug, "2106.09686", "paper")) == 403
        assert _status(lambda a=api: a.update_collection_item(slug, item.item_object_id,
                                                                note="x")) == 403  # fmt: skip
        assert _status(lambda a=api: a.delete_collection_item(slug, item.item_object_id)) == 403
        assert _status(lambda a=api: a.delete_collection(slug)) == 403
    assert alice.api(hub).get_collection(slug).items[0].item_id == "2106.09685"
