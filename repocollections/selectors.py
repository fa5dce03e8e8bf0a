"""Reads. A collection is visible by the repo rule (`Collection.objects.visible_to`); its items
that point at a repo or a collection the viewer cannot see are left out, for writers too."""

import re

from django.db.models import Q, QuerySet

from registry import errors
from registry.models import Namespace, Repo, User
from repocollections.models import Collection, CollectionItem

# `{title-slug}-{id}`: only the id counts, so a slug from before a title change still works.
SLUG_RE = re.compile(r"^(?:.*-)?(?P<id>[0-9a-f]{24})$")
SORTS = {
    "lastModified": ("-last_updated", "-id"),
    "trending": ("-upvotes", "-last_updated", "-id"),
    "upvotes": ("-upvotes", "-id"),
}
_ITEM_PREFIXES = {"models": "model", "datasets": "dataset", "spaces": "space"}


def _visible(user: User) -> QuerySet:
    return Collection.objects.visible_to(user).select_related("namespace__user", "namespace__org")


def collection_get_visible(*, user: User, namespace: str, slug: str) -> Collection:
    """The collection `{namespace}/{slug}` if `user` may see it; NotFound otherwise."""
    match = SLUG_RE.match(slug)
    collection = match and (
        _visible(user).filter(object_id=match["id"], namespace__name__iexact=namespace).first()
    )
    if not collection:
        raise errors.NotFound(f"Collection not found: {namespace}/{slug}")
    return collection


def collection_by_slug(*, user: User, slug: str) -> Collection:
    """As `collection_get_visible`, from a whole slug (`namespace/title-id`)."""
    namespace, _, rest = str(slug).partition("/")
    return collection_get_visible(user=user, namespace=namespace, slug=rest)


def items_visible(*, user: User, collection: Collection) -> QuerySet:
    """The collection's items `user` may see, in order: papers, and repos and collections
    `user` may see. Hidden ones never show, whoever put them there."""
    return (
        collection.items.filter(
            Q(kind=CollectionItem.Kind.PAPER)
            | Q(repo__in=Repo.objects.visible_to(user).values("pk"))
            | Q(target__in=Collection.objects.visible_to(user).values("pk"))
        )
        .select_related("repo__namespace", "target__namespace__user", "target__namespace__org")
        .order_by("position", "id")
    )


def item_get_visible(*, user: User, collection: Collection, object_id: str) -> CollectionItem:
    item = items_visible(user=user, collection=collection).filter(object_id=object_id).first()
    if item is None:
        raise errors.NotFound(f"Item {object_id} not found in collection {collection.slug}")
    return item


def namespace_collections(*, user: User, namespace: Namespace) -> QuerySet:
    """A namespace's collections `user` may see, in the owner's order."""
    return _visible(user).filter(namespace=namespace).order_by("position", "id")


def collections_list(
    *, user: User, owners: list[str], items: list[str], sort: str | None
) -> QuerySet:
    """Collections `user` may see: of any of `owners`, holding every one of `items`
    (`models/ns/name`, `datasets/…`, `spaces/…`, `papers/<id>`, `collections/<slug>`)."""
    if sort and sort not in SORTS:
        raise errors.BadRequest(f"Invalid sort '{sort}': use one of {', '.join(SORTS)}")
    queryset = _visible(user)
    if owners:
        names = Q()
        for owner in owners:
            names |= Q(namespace__name__iexact=owner)
        queryset = queryset.filter(names)
    for item in items:
        queryset = queryset.filter(pk__in=_holding(user=user, item=item))
    return queryset.order_by(*SORTS[sort or "lastModified"])


def _holding(*, user: User, item: str) -> QuerySet:
    """Ids of collections with `item`; none when it names something `user` cannot see."""
    prefix, _, rest = item.partition("/")
    holders = CollectionItem.objects.values("collection_id")
    if prefix == "papers" and rest:
        return holders.filter(kind=CollectionItem.Kind.PAPER, paper=rest)
    if prefix == "collections" and rest:
        try:
            target = collection_by_slug(user=user, slug=rest)
        except errors.NotFound:
            return holders.none()
        return holders.filter(target=target)
    namespace, _, name = rest.partition("/")
    if prefix not in _ITEM_PREFIXES or not namespace or not name:
        raise errors.BadRequest(
            f"Invalid item '{item}': use models/, datasets/, spaces/ or collections/ and an id,"
            " or papers/ and a paper id"
        )
    repos = Repo.objects.visible_to(user).filter(
        type=_ITEM_PREFIXES[prefix], namespace__name__iexact=namespace, name__iexact=name
    )
    return holders.filter(repo__in=repos.values("pk"))
