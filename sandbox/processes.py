"""Whether a process of this host still runs: workers record themselves as host:pid, and a
starting worker ends what a dead one left running (jobs, Spaces)."""

import os


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user
        pass
    return True
