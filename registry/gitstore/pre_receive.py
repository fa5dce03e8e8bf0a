"""The pre-receive hook every push runs (installed by `registry.gitstore.push.hooks_dir`).

A courier, standard library only: it hands git's ref updates and the quarantine that holds
the pushed objects to the hub process serving this push, over the Unix socket named in
MINIHUB_PUSH_SOCKET, and prints the hub's answer (git shows it as `remote:` lines).
"""

import json
import os
import socket
import sys

_QUARANTINE = ("GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH")


def main() -> int:
    address = os.environ.get("MINIHUB_PUSH_SOCKET")
    if not address:
        print("Push through Minihub's HTTP endpoint, not to the repository on disk", file=sys.stderr)
        return 1
    call = {
        "updates": [line.split() for line in sys.stdin if line.strip()],
        "env": {key: os.environ[key] for key in _QUARANTINE if key in os.environ},
    }
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(address)
        sock.sendall(json.dumps(call).encode() + b"\n")
        line = sock.makefile("rb").readline()
    answer = json.loads(line) if line else {"ok": False, "message": "The hub did not answer"}
    if answer["message"]:
        print(answer["message"], file=sys.stderr)
    return 0 if answer["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
