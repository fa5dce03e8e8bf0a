from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from registry.signals import repo_event
        from webhooks.services.events import repo_event_listener

        # The core announces its changes; the webhooks watching the repo get a delivery.
        repo_event.connect(repo_event_listener, dispatch_uid="webhooks.deliveries")
