from django.core.management.base import BaseCommand, CommandError, CommandParser

from provenance.importing import VIAS, repo_import
from provenance.source import source_parse
from registry.errors import HubError
from registry.services.accounts import user_get


class Command(BaseCommand):
    help = (
        "Import a repo from another Hub-compatible server with its git history (or, from a "
        "server that does not speak git, the files of the revision), every file checked "
        "against the source's metadata: SOURCE_URL/REPO[@REV], e.g. "
        "https://huggingface.co/google-bert/bert-base-uncased@main"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", metavar="SOURCE_URL/REPO[@REV]")
        parser.add_argument("--user", required=True, help="who imports (needs write access)")
        parser.add_argument("--to", metavar="NS/NAME", help="default: the source's repo id")
        parser.add_argument("--token", help="a token for the source (private repos)")
        parser.add_argument("--sync", action="store_true", help="check for new commits")
        parser.add_argument("--private", action="store_true")
        parser.add_argument(
            "--via", choices=VIAS, default="auto",
            help="git: the history; api: the revision's files; auto (default): git if the "
            "source speaks it",
        )  # fmt: skip

    def handle(self, *args, source: str, user: str, to: str | None, **options) -> None:
        try:
            repo = repo_import(
                user=user_get(name=user),
                source=source_parse(source, token=options["token"]),
                to=to,
                sync=options["sync"],
                private=True if options["private"] else None,
                via=options["via"],
            )
        except HubError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Imported {source} as {repo.repo_id} at {repo.head_sha}")
