"""A hostile program: tries one way out of its sandbox and prints what it reached as JSON.

Run as `python3 hostile.py <probe> [args...]`; every probe prints one JSON line per attempt
with "reached" true only if the attempt got something it must not get.
"""

import errno
import json
import os
import socket
import sys
import time


def report(**fields) -> None:
    print(json.dumps(fields), flush=True)


def connect(host: str, port: str) -> None:
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
        report(target=f"{host}:{port}", reached=True)
    except OSError as exc:
        report(target=f"{host}:{port}", reached=False, error=errno.errorcode.get(exc.errno))


def unix(path: str) -> None:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        report(target=path, reached=True)
    except OSError as exc:
        report(target=path, reached=False, error=errno.errorcode.get(exc.errno))


def read(*paths: str) -> None:
    for path in paths:
        try:
            if os.path.isdir(path):
                data = str(os.listdir(path))
            else:
                with open(path, "rb") as f:
                    data = f.read(64).hex()
            report(target=path, reached=True, data=data)
        except OSError as exc:
            report(target=path, reached=False, error=errno.errorcode.get(exc.errno))


def write(*paths: str) -> None:
    for path in paths:
        try:
            with open(path, "w") as f:
                f.write("owned")
            report(target=path, reached=True)
        except OSError as exc:
            report(target=path, reached=False, error=errno.errorcode.get(exc.errno))


def processes() -> None:
    found = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    found[pid] = f.read().replace(b"\0", b" ").decode()
            except OSError:
                pass
    report(target="/proc", processes=found)


def fork_bomb() -> None:
    report(target="fork", started=True)
    while True:
        try:
            os.fork()
        except OSError:
            time.sleep(0.01)


def memory(megabytes: str) -> None:
    held = []
    for step in range(int(megabytes)):
        try:
            held.append(bytearray(1024 * 1024))
        except MemoryError:
            report(target="memory", reached=False, allocated_mb=step, error="MemoryError")
            return
        if step % 16 == 0:
            report(target="memory", allocated_mb=step)
    report(target="memory", reached=True, allocated_mb=int(megabytes))


def disk(megabytes: str) -> None:
    written = 0
    chunk = b"x" * (1024 * 1024)
    try:
        for n in range(int(megabytes)):
            # Many files, so a per-file size limit alone would not stop it.
            with open(f"fill-{n}", "wb") as f:
                f.write(chunk)
            written += 1
        report(target="disk", reached=True, written_mb=written)
    except OSError as exc:
        report(
            target="disk", reached=False, written_mb=written, error=errno.errorcode.get(exc.errno)
        )


def cpu() -> None:
    report(target="cpu", started=True)
    end = time.monotonic() + 30
    while time.monotonic() < end:
        pass
    report(target="cpu", reached=True)


if __name__ == "__main__":
    probe, *args = sys.argv[1:]
    globals()[probe.replace("-", "_")](*args)
