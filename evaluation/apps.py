from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "evaluation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from evaluation import hubresults
        from evaluation.services import results
        from evaluation.services.leaderboards import repo_main_moved_listener
        from registry.signals import repo_info_extend, repo_main_moved

        # Boards that follow a branch catch up when it moves.
        repo_main_moved.connect(repo_main_moved_listener, dispatch_uid="evaluation.boards")
        # `.eval_results/*.yaml` at main's head is indexed for leaderboards.
        repo_main_moved.connect(results.repo_main_moved_listener, dispatch_uid="evaluation.results")
        # model_info(expand=["evalResults"]).
        repo_info_extend.connect(hubresults.repo_info_listener, dispatch_uid="evaluation.info")
