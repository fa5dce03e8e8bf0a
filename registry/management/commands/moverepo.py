from django.core.management.base import BaseCommand, CommandError

from registry import errors
from registry.models import Repo
from registry.services.storage import repo_find, repo_move


class Command(BaseCommand):
    help = (
        "Move a repository's git directory to another storage root while the hub serves it "
        "(docs/operations.md, 'Storage roots')."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("repo_id", help="namespace/name")
        parser.add_argument("--to", required=True, dest="root", help="the root's name")
        parser.add_argument("--type", default=Repo.Type.MODEL, choices=Repo.Type.values)

    def handle(self, *args, repo_id: str, root: str, type: str, **options) -> None:
        try:
            repo = repo_find(repo_id=repo_id, repo_type=type)
            repo_move(repo=repo, root=root, progress=self.stdout.write)
        except errors.HubError as error:
            raise CommandError(error.message) from None
