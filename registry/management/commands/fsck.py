import sys

from django.core.management.base import BaseCommand, CommandParser

from registry.services.fsck import hub_fsck


class Command(BaseCommand):
    help = (
        "Check every repo's refs and objects, its LFS objects and links, the index against "
        "git, and what killed processes left (stale locks, push quarantines, temporary "
        "files); print what disagrees. Exits 1 while anything is left unrepaired."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--repair",
            action="store_true",
            help="re-read stale index rows, relink stored objects, remove rows without git "
            "and what killed processes left",
        )

    def handle(self, *args, repair: bool, **options) -> None:
        findings = hub_fsck(repair=repair)
        for finding in findings:
            self.stdout.write(str(finding))
        left = [finding for finding in findings if not finding.repaired]
        self.stdout.write(f"fsck: {len(findings)} problem(s), {len(left)} left")
        if left:
            sys.exit(1)
