from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from registry.errors import HubError
from registry.services.accounts import membership_set, org_create, user_get


class Command(BaseCommand):
    help = "Create an organization, optionally with members (USER or USER:read|write|admin)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--fullname", default="")
        parser.add_argument("--member", action="append", default=[], metavar="USER[:ROLE]")
        parser.add_argument(
            "--private-by-default", action="store_true", help="new repos start private"
        )
        parser.add_argument(
            "--scans-required",
            action="store_true",
            help="refuse commits and pushes that add files the scanner flags unsafe",
        )

    def handle(self, *args, name: str, fullname: str, member: list[str], **options) -> None:
        try:
            with transaction.atomic():
                org = org_create(
                    name=name,
                    fullname=fullname,
                    repos_private_by_default=options["private_by_default"],
                    scans_required=options["scans_required"],
                )
                for entry in member:
                    username, _, role = entry.partition(":")
                    membership_set(org=org, user=user_get(name=username), role=role or "read")
        except HubError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Created organization {name}")
