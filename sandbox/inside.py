"""The first process inside a sandbox: seeds the writable directory, runs the program, relays.

It runs as the sandbox's user under the system's own interpreter (`/usr/bin/python3 -I -S`,
standard library only, from a read-only file), so it imports nothing of the hub. It:
1. copies the read-only seed (the caller's workdir) into the size-limited tmpfs at the app
   directory, so writes are bounded by the tmpfs and never reach the host;
2. starts the program with the environment read from a file (not argv: argv is visible to
   every user of the host in /proc);
3. if a port is given, accepts on a Unix socket in a directory bound from the host and
   forwards bytes both ways to 127.0.0.1:port, the only way into the sandbox's network
   namespace;
4. if an outbound socket is given, listens on 127.0.0.1:its port (before the program
   starts, so its first connection finds it) and forwards each connection to that socket,
   bound from the host: the only way out. One thread with asyncio for both relays: every
   thread counts against the process limit.
It exits with the program's exit status; bwrap then ends the whole namespace.
"""

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys

CHUNK = 64 * 1024


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        writer.close()


async def _relay(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter, port: int) -> None:
    try:
        app_r, app_w = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        # The app is not listening (yet): the caller sees the connection closed at once.
        client_w.close()
        return
    try:
        await asyncio.gather(_pipe(client_r, app_w), _pipe(app_r, client_w))
    finally:
        app_w.close()
        client_w.close()


async def _outbound(
    client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter, socket_path: str
) -> None:
    try:
        out_r, out_w = await asyncio.open_unix_connection(socket_path)
    except OSError:
        client_w.close()
        return
    try:
        await asyncio.gather(_pipe(client_r, out_w), _pipe(out_r, client_w))
    finally:
        out_w.close()
        client_w.close()


async def _main(
    socket_path: str | None,
    port: int | None,
    out: tuple[socket.socket, str] | None,
    program: subprocess.Popen,
) -> int:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[int] = loop.create_future()

    def child_exited() -> None:
        code = program.poll()
        if code is not None and not done.done():
            done.set_result(code)

    loop.add_signal_handler(signal.SIGCHLD, child_exited)
    loop.add_signal_handler(signal.SIGTERM, program.terminate)
    child_exited()  # it may have ended before the handler was installed
    if socket_path and port:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(socket_path)
        os.chmod(socket_path, 0o660)
        listener.listen(128)
        await asyncio.start_unix_server(lambda r, w: _relay(r, w, port), sock=listener)
    if out is not None:
        out_listener, out_path = out
        await asyncio.start_server(lambda r, w: _outbound(r, w, out_path), sock=out_listener)
    return await done


def main(argv: list[str]) -> int:
    seed, app, env_file, socket_path, port, out_path, out_port = argv[:7]
    command = argv[8:]  # argv[7] is "--"
    if os.path.isdir(seed):
        shutil.copytree(seed, app, symlinks=True, dirs_exist_ok=True)
    os.makedirs("/home/user/tmp", mode=0o1777, exist_ok=True)
    with open(env_file) as f:
        env = json.load(f)
    out = None
    if out_path:
        out_listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        out_listener.bind(("127.0.0.1", int(out_port)))
        out_listener.listen(128)
        out = (out_listener, out_path)
    program = subprocess.Popen(command, cwd=app, env=env, stdin=subprocess.DEVNULL)
    code = asyncio.run(_main(socket_path or None, int(port) if port else None, out, program))
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
