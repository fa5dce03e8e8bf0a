"""Audit routes, included by hubsite/urls.py before the registry's catch-alls."""

from django.urls import include, path

from audit import views

app_name = "audit"

# Pages sit in a `web` app namespace: registry.web.middleware then treats them as pages.
pages = [path("organizations/<str:org>/audit", views.audit_page, name="org-audit")]

urlpatterns = [
    path("api/organizations/<str:org>/audit-log", views.audit_export),
    path("", include((pages, "web"))),
]
