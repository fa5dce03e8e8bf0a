"""Writes. `on_repo_changed` is the hook registry.services.repos.repo_refresh calls."""

from evaluation.services.leaderboards import on_repo_changed

__all__ = ["on_repo_changed"]
