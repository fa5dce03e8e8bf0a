"""Writes: evaluation jobs, leaderboards, runs and the pull requests that carry results."""
