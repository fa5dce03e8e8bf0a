"""Writes. Every change needs WRITE in the collection's namespace (registry.permissions);
orders are kept dense (0..n-1) under a row lock, so two writers never share a position."""

import re

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from registry import errors
from registry.models import Namespace
from registry.permissions import Action, Actor, require
from registry.selectors import repo_get_visible
from repocollections.models import (
    DESCRIPTION_MAX,
    NOTE_MAX,
    PAPER_MAX,
    TITLE_MAX,
    Collection,
    CollectionItem,
    Theme,
)
from repocollections.selectors import collection_by_slug

ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")
REPO_KINDS = {CollectionItem.Kind.MODEL, CollectionItem.Kind.DATASET, CollectionItem.Kind.SPACE}


def collection_create(
    *,
    actor: Actor,
    namespace: str,
    title: object,
    description: object = "",
    private: object = False,
) -> Collection:
    """A new collection, last in its namespace's order; 409 with the existing one's `slug`
    when the namespace has one with that title (`create_collection(exists_ok=True)` reads it)."""
    require(actor, Action.CONTRIBUTE)  # signed in, with a write credential: 401/403 first
    owner = Namespace.objects.filter(name__iexact=namespace).first()
    if owner is None:
        raise errors.NotFound(f"'{namespace}' is neither a user nor an organization")
    require(actor, Action.WRITE, namespace=owner)
    fields = {
        "title": _title(title),
        "description": _text(description, "description", DESCRIPTION_MAX),
        "private": _flag(private, "private"),
    }
    try:
        with transaction.atomic():
            Namespace.objects.select_for_update().get(pk=owner.pk)
            last = Collection.objects.filter(namespace=owner).aggregate(Max("position"))
            return Collection.objects.create(
                namespace=owner,
                created_by=actor.user,
                position=_after(last["position__max"]),
                **fields,
            )
    except IntegrityError:
        raise _title_taken(owner, fields["title"]) from None


def collection_update(*, actor: Actor, collection: Collection, changes: dict) -> Collection:
    """Applies `changes` (title, description, private, theme, position); the slug follows
    the title, its id stays."""
    require(actor, Action.WRITE, namespace=collection.namespace)
    cleaners = {
        "title": _title,
        "description": lambda v: _text(v, "description", DESCRIPTION_MAX),
        "private": lambda v: _flag(v, "private"),
        "theme": _theme,
    }
    for field, clean in cleaners.items():
        if changes.get(field) is not None:
            setattr(collection, field, clean(changes[field]))
    collection.last_updated = timezone.now()
    try:
        with transaction.atomic():
            collection.save()
            if changes.get("position") is not None:
                Namespace.objects.select_for_update().get(pk=collection.namespace_id)
                siblings = Collection.objects.filter(namespace=collection.namespace_id)
                _reorder(siblings, collection.pk, _position(changes["position"]))
    except IntegrityError:
        raise _title_taken(collection.namespace, collection.title) from None
    collection.refresh_from_db(fields=["position"])
    return collection


def collection_delete(*, actor: Actor, collection: Collection) -> None:
    """Deletes the collection, its items, and its place in other collections."""
    require(actor, Action.WRITE, namespace=collection.namespace)
    with transaction.atomic():
        Namespace.objects.select_for_update().get(pk=collection.namespace_id)
        collection.delete()
        _reorder(Collection.objects.filter(namespace=collection.namespace_id), None, 0)


def item_add(
    *, actor: Actor, collection: Collection, kind: object, item_id: object, note: object = None
) -> CollectionItem:
    """Adds a repo, a paper link or another collection the actor can see, last; 409 when
    it is there already, 404 when the actor cannot see it."""
    require(actor, Action.WRITE, namespace=collection.namespace)
    target = _item_target(actor=actor, collection=collection, kind=kind, item_id=item_id)
    note_text = _text(note or "", "note", NOTE_MAX)
    try:
        with transaction.atomic():
            _lock(collection)
            last = collection.items.aggregate(Max("position"))["position__max"]
            item = CollectionItem.objects.create(
                collection=collection, kind=kind, note=note_text, position=_after(last), **target
            )
            _touch(collection)
    except IntegrityError:
        raise errors.Conflict(f"'{item_id}' is already in this collection") from None
    return item


def item_update(
    *, actor: Actor, collection: Collection, item: CollectionItem, note: object, position: object
) -> CollectionItem:
    """Sets the item's note and moves it to `position` (0 first), when given."""
    require(actor, Action.WRITE, namespace=collection.namespace)
    with transaction.atomic():
        _lock(collection)
        if note is not None:
            item.note = _text(note, "note", NOTE_MAX)
            item.save(update_fields=["note"])
        if position is not None:
            _reorder(collection.items.all(), item.pk, _position(position))
        _touch(collection)
    item.refresh_from_db(fields=["position"])
    return item


def item_delete(*, actor: Actor, collection: Collection, item: CollectionItem) -> None:
    require(actor, Action.WRITE, namespace=collection.namespace)
    with transaction.atomic():
        _lock(collection)
        item.delete()
        _reorder(collection.items.all(), None, 0)
        _touch(collection)


def _item_target(*, actor: Actor, collection: Collection, kind: object, item_id: object) -> dict:
    if not isinstance(item_id, str) or not item_id.strip():
        raise errors.BadRequest("An item needs an id")
    item_id = item_id.strip()
    if kind in REPO_KINDS:
        namespace, _, name = item_id.partition("/")
        repo = repo_get_visible(
            user=actor.user, repo_type=kind, namespace=namespace, name=name, follow_moves=False
        )
        return {"repo": repo}
    if kind == CollectionItem.Kind.COLLECTION:
        target = collection_by_slug(user=actor.user, slug=item_id)
        if target.pk == collection.pk:
            raise errors.BadRequest("A collection cannot hold itself")
        return {"target": target}
    if kind == CollectionItem.Kind.PAPER:
        return {"paper": _paper(item_id)}
    kinds = ", ".join(CollectionItem.Kind.values)
    raise errors.BadRequest(f"Invalid item type '{kind}': Minihub collections hold {kinds}")


def _paper(value: str) -> str:
    """An arXiv id, or an http(s) link to a paper: the pages link to it, so no other scheme."""
    if len(value) > PAPER_MAX:
        raise errors.BadRequest(f"A paper link is at most {PAPER_MAX} characters")
    if ARXIV_ID.match(value) or re.match(r"^https?://[^\s/]+\.[^\s]+$", value):
        return value
    raise errors.BadRequest("A paper is an arXiv id (2307.09288) or an http(s) link")


def _reorder(rows, moved_pk: int | None, index: int) -> None:
    """Renumbers `rows` 0..n-1 in their order, with `moved_pk` (if any) put at `index`."""
    ordered = list(rows.order_by("position", "id").only("pk", "position"))
    if moved_pk is not None:
        moved = next(row for row in ordered if row.pk == moved_pk)
        ordered.remove(moved)
        ordered.insert(min(index, len(ordered)), moved)
    changed = []
    for number, row in enumerate(ordered):
        if row.position != number:
            row.position = number
            changed.append(row)
    if changed:
        rows.model.objects.bulk_update(changed, ["position"])


def _lock(collection: Collection) -> None:
    Collection.objects.select_for_update().filter(pk=collection.pk).first()


def _touch(collection: Collection) -> None:
    collection.last_updated = timezone.now()
    Collection.objects.filter(pk=collection.pk).update(last_updated=collection.last_updated)


def _after(last: int | None) -> int:
    return 0 if last is None else last + 1


def _title_taken(owner: Namespace, title: str) -> errors.HubError:
    existing = Collection.objects.filter(namespace=owner, title__iexact=title).first()
    body = {"slug": existing.slug} if existing else {}
    return errors.Conflict(f"{owner.name} already has a collection titled '{title}'", body=body)


def _title(value: object) -> str:
    title = _text(value, "title", TITLE_MAX).strip()
    if not title:
        raise errors.BadRequest("A collection needs a title")
    return title


def _text(value: object, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise errors.BadRequest(f"'{field}' must be a string")
    if len(value) > limit:
        raise errors.BadRequest(f"'{field}' is at most {limit} characters")
    return value


def _flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise errors.BadRequest(f"'{field}' must be true or false")
    return value


def _theme(value: object) -> str:
    if value not in Theme.values:
        raise errors.BadRequest(f"Invalid theme '{value}': use one of {', '.join(Theme.values)}")
    return value


def _position(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise errors.BadRequest("'position' must be a whole number from 0")
    return value
