"""The compare view's tensor data diff (default queue). Thin: the service does the work;
imported inside the task because this module loads before Django's apps are ready."""

from workers.celery import app


@app.task(name="minihub.compare_tensors", ignore_result=True)
def compare_tensors(pk: int) -> None:
    """Compares the changed tensors of one pair of safetensors files, block by block."""
    from compare.services import tensor_diff_run

    tensor_diff_run(pk=pk)
