"""The dataset viewer's conversion task (the `viewer` queue). Thin: the service does the work;
imported inside the task because this module loads before Django's apps are ready."""

from workers.celery import app
from workers.viewer import QUEUE


@app.task(name="minihub.viewer_convert", queue=QUEUE, ignore_result=True)
def viewer_convert(repo_pk: int) -> None:
    """Converts the dataset's main to Parquet shards on refs/convert/parquet."""
    from viewer.conversion import conversion_run

    conversion_run(repo_pk=repo_pk)
