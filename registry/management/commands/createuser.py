import secrets

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.errors import HubError
from registry.services.accounts import user_create


class Command(BaseCommand):
    help = "Create a user. Without --password a random one is generated and printed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--email", default="")
        parser.add_argument("--password")
        parser.add_argument("--fullname", default="")
        parser.add_argument("--admin", action="store_true", help="site administrator")

    def handle(
        self,
        *args,
        name: str,
        email: str,
        password: str | None,
        fullname: str,
        admin: bool,
        **options,
    ) -> None:
        generated = password is None
        password = password or secrets.token_urlsafe(12)
        try:
            user_create(
                name=name, password=password, email=email, fullname=fullname, is_admin=admin
            )
        except HubError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Created user {name}")
        if generated:
            self.stdout.write(f"Password: {password}")
