from django.core.management.base import BaseCommand

from registry.gitstore import GitRepo
from registry.models import Repo
from registry.services.repos import repo_refresh


class Command(BaseCommand):
    help = "Rebuild the database's cache of every repo (card data, tags, head) from git."

    def handle(self, *args, **options) -> None:
        count = 0
        for repo in Repo.objects.select_related("namespace").iterator():
            repo_refresh(repo=repo, git=GitRepo(repo.storage_id))
            count += 1
        self.stdout.write(f"Reindexed {count} repos")
