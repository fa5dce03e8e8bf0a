from django.core.management.base import BaseCommand, CommandError

from registry.sealing import secrets_reseal


class Command(BaseCommand):
    help = (
        "Seal every stored secret again under the first key of HUB_SECRETS_KEYS, so the keys "
        "after it can be removed."
    )

    def handle(self, *args, **options) -> None:
        resealed, unreadable = secrets_reseal()
        self.stdout.write(f"Resealed {resealed} secrets under the first key")
        if unreadable:
            raise CommandError(
                f"{unreadable} secrets open with none of the keys: they stay as they are, and "
                "their owners must set them again"
            )
