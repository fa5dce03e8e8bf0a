from django.apps import AppConfig


class ProvenanceConfig(AppConfig):
    name = "provenance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from provenance.services import (
            provenance_info_listener,
            signature_main_moved_listener,
            signing_policy_listener,
        )
        from registry.signals import ref_move_check, repo_info_extend, repo_main_moved

        # Every move of main has its signature verified by a worker, recorded per commit.
        repo_main_moved.connect(signature_main_moved_listener, dispatch_uid="provenance.sig")
        # An organization requiring signed commits refuses a move of main to an unsigned one.
        ref_move_check.connect(signing_policy_listener, dispatch_uid="provenance.policy")
        # model_info names where an imported repo came from, and main's signature verdict.
        repo_info_extend.connect(provenance_info_listener, dispatch_uid="provenance.info")
