"""Webhook routes, included by hubsite/urls.py before the registry's pages (whose
/<namespace>/<name> pattern would take /settings/webhooks)."""

from django.urls import include, path, re_path

from webhooks import api, views

app_name = "webhooks"

HOOK = "settings/webhooks/<str:webhook_id>"

# Pages sit in a `web` app namespace: registry.web.middleware then treats them as pages.
pages = [
    path("settings/webhooks", views.webhooks_page, name="list"),
    path(HOOK, views.webhook_page, name="detail"),
    re_path(
        r"^settings/webhooks/(?P<webhook_id>[0-9a-f]+)/(?P<action>enable|disable|delete)$",
        views.webhook_action,
        name="action",
    ),
    path(f"{HOOK}/deliveries/<int:delivery_id>/replay", views.replay, name="replay"),
]

urlpatterns = [
    path("api/settings/webhooks", api.WebhooksView.as_view()),
    path(f"api/{HOOK}", api.WebhookView.as_view()),
    re_path(
        r"^api/settings/webhooks/(?P<webhook_id>[^/]+)/(?P<action>enable|disable)$",
        api.WebhookSwitchView.as_view(),
    ),
    path(f"api/{HOOK}/deliveries", api.DeliveriesView.as_view()),
    path(f"api/{HOOK}/deliveries/<int:delivery_id>/replay", api.ReplayView.as_view()),
    path("", include((pages, "web"))),
]
