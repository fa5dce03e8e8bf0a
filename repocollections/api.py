"""The collections API, in the shapes `HfApi.*collection*` reads (hf_api.py `Collection`,
`CollectionItem`): /api/collections, /api/collections/{slug}, its /items and /items/{id}."""

from datetime import UTC, datetime

from django.utils.html import escape
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import errors
from registry.models import Namespace
from registry.request import actor, base_url, cursor_decode, next_link
from repocollections import selectors, services
from repocollections.models import Collection, CollectionItem

PAGE = 100
# Listings carry a preview of each collection; `get_collection` has them all.
LISTED_ITEMS = 4


def iso(moment: datetime) -> str:
    """UTC with milliseconds and a trailing Z: the form the client parses."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def owner_json(namespace: Namespace) -> dict:
    if namespace.kind == Namespace.Kind.ORG:
        return {"name": namespace.name, "fullname": namespace.org.fullname or namespace.name,
                "type": "org", "avatarUrl": ""}  # fmt: skip
    return {"name": namespace.name, "fullname": namespace.user.display_name,
            "type": "user", "avatarUrl": ""}  # fmt: skip


def item_json(item: CollectionItem) -> dict:
    body = {"_id": item.object_id, "position": item.position, "type": item.kind}
    if item.note:
        body["note"] = {"text": item.note, "html": escape(item.note)}
    if item.repo is not None:
        repo = item.repo
        body |= {"id": repo.repo_id, "author": repo.namespace.name, "repoType": repo.type,
                 "private": repo.private, "gated": repo.gated or False,
                 "downloads": repo.downloads, "likes": repo.likes,
                 "lastModified": iso(repo.last_modified)}  # fmt: skip
        if repo.pipeline_tag:
            body["pipeline_tag"] = repo.pipeline_tag
    elif item.target is not None:
        # The client reads a nested collection's `slug` as the item's id.
        body |= _summary(item.target) | {"id": item.target.object_id}
    else:
        body |= {"id": item.paper, "title": item.paper, "url": item.paper_url}
    return body


def _summary(collection: Collection) -> dict:
    body = {
        "slug": collection.slug,
        "title": collection.title,
        "owner": owner_json(collection.namespace),
        "lastUpdated": iso(collection.last_updated),
        "private": collection.private,
        "theme": collection.theme,
        "upvotes": collection.upvotes,
        "isUpvotedByUser": False,
    }
    if collection.description:
        body["description"] = collection.description
    return body


def collection_json(request: Request, collection: Collection, *, limit: int | None = None) -> dict:
    items = selectors.items_visible(user=request.user, collection=collection)
    body = _summary(collection) | {
        "items": [item_json(item) for item in (items[:limit] if limit else items)]
    }
    if limit is None:
        # Not in listings: `list_collections` passes each one's place in the list itself.
        body["position"] = collection.position
    return body


def _body(request: Request) -> dict:
    if not isinstance(request.data, dict):
        raise errors.BadRequest("The request body must be a JSON object")
    return request.data


def _page_size(request: Request) -> int:
    try:
        limit = int(request.query_params.get("limit") or PAGE)
    except ValueError:
        raise errors.BadRequest("'limit' must be a whole number") from None
    return max(1, min(limit, PAGE))


class CollectionsView(APIView):
    def get(self, request: Request) -> Response:
        """Collections the caller may see; `owner`, `item` (repeatable), `sort`, `limit`."""
        collections = selectors.collections_list(
            user=request.user,
            owners=request.query_params.getlist("owner"),
            items=request.query_params.getlist("item"),
            sort=request.query_params.get("sort"),
        )
        start, size = cursor_decode(request.query_params.get("cursor")), _page_size(request)
        rows = list(collections[start : start + size + 1])
        response = Response(
            [collection_json(request, row, limit=LISTED_ITEMS) for row in rows[:size]]
        )
        if len(rows) > size:
            url = f"{base_url(request)}/api/collections"
            response["Link"] = next_link(url, request.query_params, start + size)
        return response

    def post(self, request: Request) -> Response:
        body = _body(request)
        collection = services.collection_create(
            actor=actor(request),
            namespace=str(body.get("namespace") or request.user.get_username()),
            title=body.get("title"),
            description=body.get("description") or "",
            private=body.get("private", False),
        )
        return Response(collection_json(request, collection))


class CollectionView(APIView):
    def get(self, request: Request, namespace: str, slug: str) -> Response:
        collection = selectors.collection_get_visible(
            user=request.user, namespace=namespace, slug=slug
        )
        return Response(collection_json(request, collection))

    def patch(self, request: Request, namespace: str, slug: str) -> Response:
        collection = selectors.collection_get_visible(
            user=request.user, namespace=namespace, slug=slug
        )
        collection = services.collection_update(
            actor=actor(request), collection=collection, changes=_body(request)
        )
        # update_collection_metadata reads the collection from `data`.
        return Response({"success": True, "data": collection_json(request, collection)})

    def delete(self, request: Request, namespace: str, slug: str) -> Response:
        collection = selectors.collection_get_visible(
            user=request.user, namespace=namespace, slug=slug
        )
        services.collection_delete(actor=actor(request), collection=collection)
        return Response({"success": True})


class ItemsView(APIView):
    def post(self, request: Request, namespace: str, slug: str) -> Response:
        """Adds `{"item": {"id", "type"}, "note"}`; answers the whole collection."""
        collection = selectors.collection_get_visible(
            user=request.user, namespace=namespace, slug=slug
        )
        body = _body(request)
        item = body.get("item") if isinstance(body.get("item"), dict) else {}
        services.item_add(
            actor=actor(request),
            collection=collection,
            kind=item.get("type"),
            item_id=item.get("id"),
            note=body.get("note"),
        )
        return Response(collection_json(request, collection))


class ItemView(APIView):
    def patch(self, request: Request, namespace: str, slug: str, item_id: str) -> Response:
        collection, item = self._item(request, namespace, slug, item_id)
        body = _body(request)
        item = services.item_update(
            actor=actor(request),
            collection=collection,
            item=item,
            note=body.get("note"),
            position=body.get("position"),
        )
        return Response({"success": True, "data": item_json(item)})

    def delete(self, request: Request, namespace: str, slug: str, item_id: str) -> Response:
        collection, item = self._item(request, namespace, slug, item_id)
        services.item_delete(actor=actor(request), collection=collection, item=item)
        return Response({"success": True})

    @staticmethod
    def _item(request: Request, namespace: str, slug: str, item_id: str):
        collection = selectors.collection_get_visible(
            user=request.user, namespace=namespace, slug=slug
        )
        item = selectors.item_get_visible(
            user=request.user, collection=collection, object_id=item_id
        )
        return collection, item
