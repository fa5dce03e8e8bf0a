from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.errors import HubError
from registry.services.accounts import user_get
from registry.services.tokens import token_create


class Command(BaseCommand):
    help = "Create an access token for USER and print it (the only time it is shown)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user")
        parser.add_argument("--name", default="cli")
        parser.add_argument("--role", default="write", choices=["read", "write"])
        parser.add_argument("--value", help="import a known token value (hf_...)")

    def handle(self, *args, user: str, name: str, role: str, value: str | None, **options) -> None:
        try:
            _, token = token_create(user=user_get(name=user), name=name, role=role, value=value)
        except HubError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(token)
