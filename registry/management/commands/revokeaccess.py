from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.errors import HubError
from registry.services.accounts import user_get
from registry.services.identities import user_access_revoke


class Command(BaseCommand):
    help = (
        "Switch USER off everywhere: revoke all their tokens and end all their browser "
        "sessions (for someone who left, or was disabled at the identity provider)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user")

    def handle(self, *args, user: str, **options) -> None:
        try:
            revoked = user_access_revoke(user=user_get(name=user), by=None)
        except HubError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{user}: {revoked} token(s) revoked, browser sessions ended")
