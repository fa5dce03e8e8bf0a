from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from registry.errors import HubError
from registry.services.accounts import user_get
from registry.services.tokens import token_create


def _scoped_entry(value: str) -> dict:
    """`TYPE:NAME:PERMISSION[,PERMISSION...]`, e.g. `model:acme/bert:repo.write`."""
    kind, _, rest = value.partition(":")
    name, _, permissions = rest.rpartition(":")
    return {"entity": {"type": kind, "name": name}, "permissions": permissions.split(",")}


class Command(BaseCommand):
    help = "Create an access token for USER and print it (the only time it is shown)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user")
        parser.add_argument("--name", default="cli")
        parser.add_argument("--role", default="write", choices=["read", "write"])
        parser.add_argument("--value", help="import a known token value (hf_...)")
        parser.add_argument("--expires-days", type=int, help="the token expires after N days")
        parser.add_argument(
            "--scope", action="append", type=_scoped_entry, metavar="TYPE:NAME:PERMISSIONS",
            help="make it fine-grained: e.g. model:acme/bert:repo.content.read,repo.write "
            "(TYPE is model, dataset, space, user or org; repeat for more)",
        )  # fmt: skip

    def handle(self, *args, user: str, name: str, role: str, value: str | None,
               expires_days: int | None, scope: list[dict] | None, **options) -> None:  # fmt: skip
        expires_at = None if expires_days is None else timezone.now() + timedelta(expires_days)
        try:
            _, token = token_create(
                user=user_get(name=user), name=name, value=value, expires_at=expires_at,
                role="fineGrained" if scope else role, scoped=scope,
            )  # fmt: skip
        except HubError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(token)
