"""The audit log: one row per event, written by the spool's flusher and never changed."""

from django.db import models, transaction


class AppendOnly(Exception):
    """An audit event was about to be changed or deleted outside the retention sweep."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        raise AppendOnly("Audit events are append-only")

    def delete(self) -> tuple[int, dict]:
        raise AppendOnly("Audit events are append-only; only the retention sweep deletes")

    def expired_delete(self) -> int:
        """Deletes these rows: the retention sweep's one way. PostgreSQL's trigger lets a
        delete through only in a transaction that says it is the sweep."""
        with transaction.atomic(using=self.db):
            connection = transaction.get_connection(self.db)
            if connection.vendor != "postgresql":
                return self._raw_delete(self.db)
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('minihub.audit_sweep', 'on', true)")
                deleted = self._raw_delete(self.db)
                # Off again at once: inside an outer transaction the setting would outlive
                # this block and let other deletes through.
                cursor.execute("SELECT set_config('minihub.audit_sweep', 'off', true)")
            return deleted


class AuditEvent(models.Model):
    """Who did what, to which repo or organization, from where. Names are copied, not
    linked: an event outlives the user, token or repo it names."""

    event_id = models.UUIDField(unique=True)  # made in the spool: ingesting twice adds nothing
    at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=40, db_index=True)
    actor = models.CharField(max_length=150, blank=True)  # "" for anonymous
    actor_id = models.BigIntegerField(null=True)
    token_id = models.CharField(max_length=64, blank=True)  # the token's public id, never its value
    token_name = models.CharField(max_length=100, blank=True)
    namespace = models.CharField(max_length=100, blank=True)  # whose event: repo owner or org
    repo = models.CharField(max_length=250, blank=True)
    repo_type = models.CharField(max_length=10, blank=True)
    revision = models.CharField(max_length=255, blank=True)
    path = models.TextField(blank=True)
    bytes = models.BigIntegerField(null=True)
    address = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["namespace", "at"], name="audit_namespace_at")]

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnly("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Audit events are append-only; only the retention sweep deletes")
