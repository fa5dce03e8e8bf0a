from django.core.management.base import BaseCommand, CommandError, CommandParser

from provenance.services import signing_policy_set
from registry.models import Organization


class Command(BaseCommand):
    help = "Require (or stop requiring) a valid model signature on main in an organization."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org")
        parser.add_argument("--require-signed-main", action="store_true")
        parser.add_argument("--allow-unsigned-main", action="store_true")

    def handle(self, *args, org: str, **options) -> None:
        if options["require_signed_main"] == options["allow_unsigned_main"]:
            raise CommandError("Pass one of --require-signed-main or --allow-unsigned-main")
        found = Organization.objects.filter(namespace__name__iexact=org).first()
        if found is None:
            raise CommandError(f"No organization named {org}")
        signing_policy_set(org=found, require_signed_main=options["require_signed_main"])
        rule = "requires" if options["require_signed_main"] else "no longer requires"
        self.stdout.write(f"{found.namespace.name} {rule} a valid signature on main")
