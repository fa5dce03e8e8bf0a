"""The host side of a sandbox's one way out: a Unix socket whose connections go to one TCP
address, chosen by the caller (Jobs: the hub's web server). The program inside reaches the
socket as 127.0.0.1:port (sandbox/inside.py); it cannot name another address, so whatever
it sends reaches that server and nothing else.
"""

import contextlib
import os
import socket
import threading
from pathlib import Path

_CHUNK = 64 * 1024
_CONNECT_TIMEOUT_SECONDS = 10


class OutboundRelay:
    """Listens on `path` (connectable by `uid` only) and relays each connection to `address`,
    at most `max_connections` at once (two threads each); `close()` ends them all."""

    def __init__(
        self, path: Path, address: tuple[str, int], *, uid: int, max_connections: int = 32
    ) -> None:
        self._address = address
        self._slots = threading.BoundedSemaphore(max_connections)
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(path))
        os.chown(path, uid, uid)
        path.chmod(0o600)
        self._listener.listen(64)
        threading.Thread(target=self._accept, name="outbound-relay", daemon=True).start()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            for conn in list(self._open):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            if not self._slots.acquire(blocking=False):
                client.close()
                continue
            threading.Thread(target=self._forward, args=(client,), daemon=True).start()

    def _forward(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self._address, timeout=_CONNECT_TIMEOUT_SECONDS)
        except OSError:
            client.close()
            self._slots.release()
            return
        upstream.settimeout(None)
        with self._lock:
            self._open.update((client, upstream))
        back = threading.Thread(target=_copy, args=(upstream, client), daemon=True)
        back.start()
        _copy(client, upstream)
        back.join()
        with self._lock:
            self._open.difference_update((client, upstream))
        client.close()
        upstream.close()
        self._slots.release()


def _copy(source: socket.socket, target: socket.socket) -> None:
    """Bytes from `source` to `target` until `source` ends, then half-closes `target`; on an
    error both are shut, so the other direction ends too."""
    how = socket.SHUT_WR
    try:
        while data := source.recv(_CHUNK):
            target.sendall(data)
    except OSError:
        how = socket.SHUT_RDWR
        with contextlib.suppress(OSError):
            source.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        target.shutdown(how)
