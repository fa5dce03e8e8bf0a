"""Jobs tasks on the `jobs` queue, run by the jobs worker `manage.py serve` starts (Celery's
threads pool: each task's thread starts its job's sandbox and waits for it; see jobs/run.py).
Thin: they take the job's id and call the runner. Services are imported inside the tasks:
this module is imported when the Celery app is created, before Django's apps are ready."""

from celery import signals

from workers.celery import app


@signals.worker_ready.connect
def _orphans_end(sender=None, **kwargs) -> None:
    # A worker killed outright took its jobs' programs with it; their rows still say RUNNING,
    # and what was given to them (a fine-tune's token) still works. Each jobs worker also
    # sweeps for scheduled runs that are due, reconciling again each round.
    if "jobs" in {queue.name for queue in sender.task_consumer.queues}:
        from jobs.schedule import sweeper_start
        from jobs.services import jobs_reconcile

        jobs_reconcile()
        sweeper_start()


@signals.worker_shutdown.connect
def _release(**kwargs) -> None:
    from jobs.run import jobs_release

    jobs_release()


# Not acks_late: a job runs at most once; a worker that dies mid-job ends it as ERROR.
@app.task(name="minihub.job_run", queue="jobs", ignore_result=True, acks_late=False)
def job_run(job_id: str) -> None:
    """Runs the job in the sandbox until it ends, times out or is canceled."""
    from jobs.run import job_run as run

    run(job_id=job_id)
