from django.conf import settings
from django.core.management.base import BaseCommand

from audit.services import audit_sweep


class Command(BaseCommand):
    help = "Delete audit events older than HUB_AUDIT_RETENTION_DAYS (the flushers do it hourly)."

    def handle(self, *args, **options) -> None:
        deleted = audit_sweep()
        days = settings.HUB_AUDIT_RETENTION_DAYS
        self.stdout.write(f"Deleted {deleted} audit events older than {days} days")
