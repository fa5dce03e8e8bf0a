"""Webhook deliveries on the `default` queue: one attempt per task; the service queues the
next attempt after a failure. The service is imported inside the task: this module is
imported when the Celery app is created, before Django's apps are ready."""

from django.conf import settings

from workers.celery import app


@app.task(
    name="minihub.webhook_deliver",
    ignore_result=True,
    # One POST with its timeout, and the database writes around it.
    time_limit=settings.HUB_WEBHOOK_TIMEOUT + 30,
)
def deliver_webhook(delivery_id: int, number: int) -> None:
    from webhooks.services.deliveries import delivery_attempt

    delivery_attempt(delivery_id=delivery_id, number=number)
