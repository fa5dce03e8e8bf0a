from django.apps import AppConfig


class InferenceConfig(AppConfig):
    name = "inference"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from inference.services import repo_main_moved_listener
        from registry.signals import repo_main_moved

        # The card's widget examples are computed again at the new head.
        repo_main_moved.connect(repo_main_moved_listener, dispatch_uid="inference.widgets")
