from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from provenance.bundles import bundle_export, bundle_import
from registry.errors import HubError
from registry.models import Repo
from registry.services.accounts import user_get

_TYPES = {"datasets": "dataset", "spaces": "space"}


class Command(BaseCommand):
    help = (
        "Offline bundles for air-gapped hubs. `bundle export [datasets/|spaces/]NS/NAME[@REV] "
        "FILE` writes one file; `bundle import FILE --user USER [--to NS/NAME]` checks all "
        "of it, then publishes it, or refuses it whole."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        export = commands.add_parser("export")
        export.add_argument("repo", metavar="REPO[@REV]")
        export.add_argument("file", type=Path)
        load = commands.add_parser("import")
        load.add_argument("file", type=Path)
        load.add_argument("--user", required=True, help="who imports (needs write access)")
        load.add_argument("--to", metavar="NS/NAME")
        load.add_argument("--sha256", help="the bundle file's sha256, carried apart from it")

    def handle(self, *args, action: str, file: Path, **options) -> None:
        try:
            if action == "export":
                repo, rev = _repo(options["repo"])
                digest = bundle_export(repo=repo, rev=rev, dest=file)
                self.stdout.write(f"Wrote {file} (sha256 {digest})")
                return
            repo = bundle_import(user=user_get(name=options["user"]), path=file,
                                 to=options["to"], expect_sha256=options["sha256"],
                                 report=self.stdout.write)  # fmt: skip
        except HubError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Imported {file} as {repo.repo_id} at {repo.head_sha}")


def _repo(spec: str) -> tuple[Repo, str]:
    location, _, rev = spec.partition("@")
    parts = location.split("/")
    repo_type = _TYPES.get(parts[0], "model") if len(parts) == 3 else "model"
    namespace, name = parts[-2:] if len(parts) >= 2 else ("", "")
    repo = Repo.objects.filter(type=repo_type, namespace__name__iexact=namespace,
                               name__iexact=name).first()  # fmt: skip
    if repo is None:
        raise CommandError(f"No repo {location}")
    return repo, rev or "main"
