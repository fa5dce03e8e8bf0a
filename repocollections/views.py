"""Collection pages: a namespace's collections, a collection with its items (and, for the
namespace's writers, the controls that change it), and the form for a new one."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from registry import errors
from registry.permissions import Action, allows
from registry.request import actor
from registry.web.queries import namespace_get, page_of, writable_namespaces
from registry.web.views.common import page_number, require_signed_in
from repocollections import selectors, services
from repocollections.forms import CollectionForm, ItemForm, NoteForm, SettingsForm
from repocollections.models import Collection, CollectionItem

PAGE = 30


def _url(collection: Collection) -> str:
    return f"/collections/{collection.slug}"


def namespace_page(request: HttpRequest, namespace: str) -> HttpResponse:
    owner = namespace_get(name=namespace)
    collections = selectors.namespace_collections(user=request.user, namespace=owner)
    context = {
        "owner": owner,
        "page": page_of(collections, number=page_number(request), size=PAGE),
        "can_create": allows(actor(request), Action.WRITE, namespace=owner),
    }
    return render(request, "collections/namespace.html", context)


def new_page(request: HttpRequest) -> HttpResponse:
    require_signed_in(request)
    form = CollectionForm(
        request.POST or None,
        namespaces=writable_namespaces(user=request.user),
        initial={"namespace": request.GET.get("namespace")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            collection = services.collection_create(actor=actor(request), **form.cleaned_data)
        except errors.HubError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(_url(collection))
    return render(request, "collections/new.html", {"form": form})


def collection_page(request: HttpRequest, namespace: str, slug: str) -> HttpResponse:
    collection = selectors.collection_get_visible(user=request.user, namespace=namespace, slug=slug)
    if request.path != _url(collection):
        return redirect(_url(collection))  # a slug from before the title changed
    can_edit = allows(actor(request), Action.WRITE, namespace=collection.namespace)
    context = {
        "collection": collection,
        "items": list(selectors.items_visible(user=request.user, collection=collection)),
        "can_edit": can_edit,
        "item_form": ItemForm(auto_id="add-%s") if can_edit else None,
        "settings_form": _settings_form(collection) if can_edit else None,
    }
    return render(request, "collections/collection.html", context)


def _settings_form(collection: Collection, data=None) -> SettingsForm:
    fields = ("title", "description", "theme", "private")
    initial = {name: getattr(collection, name) for name in fields}
    return SettingsForm(data, initial=initial, auto_id="settings-%s")


@require_POST
def collection_action(request: HttpRequest, namespace: str, slug: str, action: str) -> HttpResponse:
    """settings | delete | items (add one), for the namespace's writers."""
    require_signed_in(request)
    collection = selectors.collection_get_visible(user=request.user, namespace=namespace, slug=slug)
    form = {"settings": _settings_form(collection, request.POST), "items": ItemForm(request.POST)}
    if action in form and not form[action].is_valid():
        messages.error(request, _form_errors(form[action]))
        return redirect(_url(collection))
    try:
        if action == "delete":
            services.collection_delete(actor=actor(request), collection=collection)
            messages.success(request, f"Deleted the collection {collection.title}")
            return redirect(f"/collections/{collection.namespace.name}")
        if action == "settings":
            services.collection_update(
                actor=actor(request), collection=collection, changes=form[action].cleaned_data
            )
            messages.success(request, "Saved the collection's settings")
        else:
            data = form[action].cleaned_data
            services.item_add(actor=actor(request), collection=collection, kind=data["kind"],
                              item_id=data["item_id"], note=data["note"])  # fmt: skip
            messages.success(request, f"Added {data['item_id']}")
    except errors.HubError as exc:
        messages.error(request, exc.message)
    return redirect(_url(collection))


@require_POST
def item_action(
    request: HttpRequest, namespace: str, slug: str, item_id: str, action: str
) -> HttpResponse:
    """note | up | down | delete on one item, for the namespace's writers."""
    require_signed_in(request)
    collection = selectors.collection_get_visible(user=request.user, namespace=namespace, slug=slug)
    item = selectors.item_get_visible(user=request.user, collection=collection, object_id=item_id)
    if action == "delete":
        services.item_delete(actor=actor(request), collection=collection, item=item)
    elif action == "note":
        form = NoteForm(request.POST)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return redirect(_url(collection))
        services.item_update(actor=actor(request), collection=collection, item=item,
                             note=form.cleaned_data["note"], position=None)  # fmt: skip
    else:
        position = _neighbour_position(request, collection, item, -1 if action == "up" else 1)
        if position is not None:
            services.item_update(actor=actor(request), collection=collection, item=item,
                                 note=None, position=position)  # fmt: skip
    return redirect(f"{_url(collection)}#items")


def _neighbour_position(
    request: HttpRequest, collection: Collection, item: CollectionItem, step: int
) -> int | None:
    """The position of the item the viewer sees next to `item` (items hidden from them
    are skipped over, so every click visibly moves it), or None at either end."""
    visible = selectors.items_visible(user=request.user, collection=collection)
    positions = list(visible.values_list("position", flat=True))
    index = positions.index(item.position) + step
    return positions[index] if 0 <= index < len(positions) else None


def _form_errors(form) -> str:
    return "; ".join(f"{field}: {' '.join(text)}" for field, text in form.errors.items())
