from django.apps import AppConfig


class SpacesConfig(AppConfig):
    name = "spaces"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from registry.signals import repo_info_extend, repo_main_moved
        from spaces.services import space_info_extra, space_main_moved_listener

        # A push to a Space's main (re)builds it; the API's space_info carries its runtime.
        repo_main_moved.connect(space_main_moved_listener, dispatch_uid="spaces.build")
        repo_info_extend.connect(space_info_extra, dispatch_uid="spaces.info")
