from django.apps import AppConfig


class ViewerConfig(AppConfig):
    name = "viewer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from registry.signals import repo_main_moved
        from viewer.services import viewer_main_moved_listener

        # Every move of a dataset's main converts it again to refs/convert/parquet.
        repo_main_moved.connect(viewer_main_moved_listener, dispatch_uid="viewer.convert")
