from django.apps import AppConfig


class FinetuneConfig(AppConfig):
    name = "finetune"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from finetune.services import finetune_token_revoke
        from jobs.signals import job_ended

        # The token a fine-tune's job pushes with lives as long as the job.
        job_ended.connect(finetune_token_revoke, dispatch_uid="finetune.token")
