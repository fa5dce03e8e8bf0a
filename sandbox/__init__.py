"""The sandbox runner for user code (Spaces, Jobs): bubblewrap, limits, a relay socket."""
