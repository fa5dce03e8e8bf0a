import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.errors import HubError
from registry.services.backup import hub_restore
from registry.services.fsck import hub_fsck


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into this hub (migrated, before its first start), "
        "then check it as `fsck` does. Exits 1 if the check finds problems."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("src", type=Path)

    def handle(self, *args, src: Path, **options) -> None:
        try:
            counts = hub_restore(src=src.resolve())
        except HubError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"Restored the database, {counts['repos']} repositories and "
            f"{counts['objects']} LFS objects from {src}"
        )
        findings = hub_fsck(repair=False)
        for finding in findings:
            self.stdout.write(str(finding))
        self.stdout.write(f"fsck: {len(findings)} problem(s)")
        if findings:
            sys.exit(1)
