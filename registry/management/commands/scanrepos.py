from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.gitstore import GitRepo
from registry.models import Repo
from registry.services.scans import commit_scan


class Command(BaseCommand):
    help = (
        "Scan the files every branch and tag points at that have no verdict yet: for files "
        "committed before scanning existed, or after HUB_SCAN_* rules changed. Each content "
        "is scanned once, whichever repos hold it; safe to run again (it resumes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "repos", nargs="*", help="namespace/name (a model), datasets/… or spaces/…; all if none"
        )

    def handle(self, *args, repos: list[str], **options) -> None:
        chosen = Repo.objects.select_related("namespace").order_by("pk")
        if repos:
            chosen = [self._repo(name) for name in repos]
        total = count = 0
        for repo in chosen:
            count += 1
            git = GitRepo(repo.storage_id)
            heads = {**git.refs("refs/heads/"), **git.refs("refs/tags/")}
            scanned = sum(commit_scan(repo=repo, sha=sha) for sha in dict.fromkeys(heads.values()))
            total += scanned
            self.stdout.write(f"{repo.type} {repo.repo_id}: {scanned} files scanned")
        self.stdout.write(f"Scanned {total} files in {count} repos")

    @staticmethod
    def _repo(name: str) -> Repo:
        parts = name.strip("/").split("/")
        kinds = {"models": "model", "datasets": "dataset", "spaces": "space"}
        repo_type = kinds.get(parts.pop(0), "") if len(parts) == 3 else "model"
        if len(parts) != 2 or not repo_type:
            raise CommandError(f"'{name}': give namespace/name, datasets/… or spaces/…")
        found = Repo.objects.filter(type=repo_type, namespace__name=parts[0], name=parts[1])
        repo = found.select_related("namespace").first()
        if repo is None:
            raise CommandError(f"No {repo_type} {parts[0]}/{parts[1]}")
        return repo
