from django.apps import AppConfig


class XetStoreConfig(AppConfig):
    name = "xetstore"
    default_auto_field = "django.db.models.BigAutoField"
