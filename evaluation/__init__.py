"""Evaluation jobs, metrics and leaderboards. The web side never imports torch; the worker
side (`evaluation.worker`) runs the models."""
