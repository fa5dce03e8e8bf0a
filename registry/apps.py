from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from registry.models import Membership, Namespace, Organization, Repo, TokenGrant
        from registry.services.listings import listing_changed
        from registry.services.scans import scans_repo_event_listener
        from registry.signals import repo_event

        # Cached listings show these rows: any save or delete makes them stale.
        for model in (Repo, Membership, Namespace, Organization, TokenGrant):
            for signal in (post_save, post_delete):
                signal.connect(listing_changed, sender=model, dispatch_uid=f"listing.{model}")

        # Every write path announces its new commits; a worker scans their files.
        repo_event.connect(scans_repo_event_listener, dispatch_uid="registry.scans")
