"""The dataset viewer's writes: queue a conversion on every move of a dataset's main (the
conversion itself is viewer.conversion, run by the viewer's task)."""

from registry.models import Repo
from viewer.models import DatasetConversion
from workers.viewer import conversion_enqueue

CONVERT_REF = "refs/convert/parquet"


def viewer_main_moved_listener(sender, repo: Repo, **kwargs) -> None:
    if repo.type == Repo.Type.DATASET:
        conversion_request(repo=repo)


def conversion_request(*, repo: Repo) -> None:
    """Marks the dataset's conversion pending at main's head and queues it."""
    DatasetConversion.objects.update_or_create(
        repo=repo,
        defaults={"status": DatasetConversion.Status.PENDING, "revision": repo.head_sha},
    )
    conversion_enqueue(repo.pk)
