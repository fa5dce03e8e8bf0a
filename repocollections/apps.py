from django.apps import AppConfig


class RepoCollectionsConfig(AppConfig):
    name = "repocollections"
    default_auto_field = "django.db.models.BigAutoField"
