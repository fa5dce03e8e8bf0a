"""Provenance tasks (default queue). Thin: the services do the work; imported inside the
task because this module loads before Django's apps are ready."""

from workers.celery import app


@app.task(name="minihub.signature_check", ignore_result=True)
def signature_check(check_pk: int) -> None:
    """Verifies the model signature of the commit a SignatureCheck row names."""
    from provenance.services import signature_check_run

    signature_check_run(check_pk=check_pk)
