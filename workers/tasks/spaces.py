"""Spaces tasks on the `spaces` queue, run by the Spaces worker `manage.py serve` starts
(Celery's threads pool: one process owns every app it starts; see spaces/run.py). Thin:
they take the Space's repo pk and call the service. Services are imported inside the tasks:
this module is imported when the Celery app is created, before Django's apps are ready."""

from celery import signals

from workers.celery import app


@signals.worker_ready.connect
def _orphans_clear(sender=None, **kwargs) -> None:
    # A worker killed outright took its apps with it (--die-with-parent); their rows still
    # name it. Only a Spaces worker looks (it is the one that owns apps).
    if "spaces" in {queue.name for queue in sender.task_consumer.queues}:
        from spaces.run import spaces_orphans_clear

        spaces_orphans_clear()


@signals.worker_shutdown.connect
def _release(**kwargs) -> None:
    from spaces.run import spaces_release

    spaces_release()


@app.task(name="minihub.space_build", queue="spaces", ignore_result=True, acks_late=False)
def space_build(repo_pk: int) -> None:
    """Builds (or reuses the environments of) the Space staged BUILDING and starts it."""
    from spaces.run import space_deploy

    space_deploy(repo_pk=repo_pk)


@app.task(name="minihub.space_stop", queue="spaces", ignore_result=True)
def space_stop(repo_pk: int) -> None:
    """Stops the Space's app (see spaces.run.space_stop for a Space another worker owns)."""
    from spaces.run import space_stop as stop

    stop(repo_pk=repo_pk)
