from django.apps import AppConfig


class FinetuneConfig(AppConfig):
    name = "finetune"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from finetune.services import finetune_token_revoke, finetune_tokens_sweep
        from jobs.signals import job_ended, jobs_reconciled

        # The token a fine-tune's job pushes with lives as long as the job, even when the
        # end went unheard.
        job_ended.connect(finetune_token_revoke, dispatch_uid="finetune.token")
        jobs_reconciled.connect(finetune_tokens_sweep, dispatch_uid="finetune.token_sweep")
