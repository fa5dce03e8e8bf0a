"""Collection routes, included by hubsite/urls.py before the registry's pages: `collections`
is a reserved namespace, so /collections/... never names a repo."""

from django.urls import include, path, re_path

from repocollections import api, views

COLLECTION = r"(?P<namespace>[^/]+)/(?P<slug>[^/]+)"
ITEM = r"(?P<item_id>[0-9a-f]{24})"

# Its own namespace, so the `web` one below nests in it and `{% url 'web:…' %}` still finds
# the registry's pages.
app_name = "repocollections"

# In a `web` app namespace: registry.web.middleware renders their errors as pages.
pages = [
    path("collections/new", views.new_page, name="collection-new"),
    path("collections/<str:namespace>", views.namespace_page, name="collections"),
    re_path(rf"^collections/{COLLECTION}$", views.collection_page, name="collection"),
    re_path(
        rf"^collections/{COLLECTION}/(?P<action>settings|delete|items)$", views.collection_action
    ),
    re_path(
        rf"^collections/{COLLECTION}/items/{ITEM}/(?P<action>note|up|down|delete)$",
        views.item_action,
    ),
]

urlpatterns = [
    path("api/collections", api.CollectionsView.as_view()),
    re_path(rf"^api/collections/{COLLECTION}$", api.CollectionView.as_view()),
    re_path(rf"^api/collections/{COLLECTION}/items$", api.ItemsView.as_view()),
    re_path(rf"^api/collections/{COLLECTION}/items/{ITEM}$", api.ItemView.as_view()),
    path("", include((pages, "web"))),
]
