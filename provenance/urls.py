"""The import page, included by hubsite/urls.py before the registry's pages (whose
/<namespace>/<name> would take /import/new)."""

from django.urls import path

from provenance import views

urlpatterns = [
    path("import/new", views.import_new, name="provenance-import"),
    path("organizations/<str:org>/signing", views.org_signing, name="provenance-signing"),
]
