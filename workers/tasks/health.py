import os
import socket

from workers.celery import app


@app.task(name="minihub.ping")
def ping(nonce: str) -> dict:
    """Echoes `nonce` with where it ran: the health check's proof of a live worker."""
    return {"nonce": nonce, "hostname": socket.gethostname(), "pid": os.getpid()}
