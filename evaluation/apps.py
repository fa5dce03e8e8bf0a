from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "evaluation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from evaluation.services.leaderboards import repo_main_moved_listener
        from registry.signals import repo_main_moved

        # Boards that follow a branch catch up when it moves.
        repo_main_moved.connect(repo_main_moved_listener, dispatch_uid="evaluation.boards")
