from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit.events import audit_event_listener
        from registry.signals import audit_event

        # The core says what happened; the audit log writes it to this process's spool.
        audit_event.connect(audit_event_listener, dispatch_uid="audit.spool")
