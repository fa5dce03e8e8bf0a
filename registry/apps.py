from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from registry.services.scans import scans_repo_event_listener
        from registry.signals import repo_event

        # Every write path announces its new commits; a worker scans their files.
        repo_event.connect(scans_repo_event_listener, dispatch_uid="registry.scans")
