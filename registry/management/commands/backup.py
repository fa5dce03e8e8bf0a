from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.errors import HubError
from registry.services.backup import hub_backup


class Command(BaseCommand):
    help = "Back up the database, the git repositories and the LFS objects into folder DEST."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dest", type=Path)
        parser.add_argument(
            "--no-objects",
            action="store_true",
            help="leave LFS objects out (a bucket backed up on its own)",
        )

    def handle(self, *args, dest: Path, no_objects: bool, **options) -> None:
        try:
            counts = hub_backup(dest=dest.resolve(), objects=not no_objects)
        except HubError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"Backed up the database, {counts['repos']} repositories and "
            f"{counts['objects']} LFS objects into {dest}"
        )
