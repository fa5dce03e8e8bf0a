"""Hostile files the tests build themselves and never load."""

import os


class Boom:
    """Pickles as a call to os.system: what a malicious checkpoint carries."""

    def __reduce__(self):
        return (os.system, ("echo loaded",))
