"""A hostile program tries the hub's network services, files and processes: it reaches none."""

import socket
from pathlib import Path

import pytest
from django.conf import settings


def run_probe(start, *args: str) -> list[dict]:
    started = start("python3", "hostile.py", *args)
    assert started.process.wait(timeout=20) == 0, started.log.read_text()
    return started.reports()


@pytest.mark.parametrize("port", [5432, 6379])
def test_it_cannot_reach_the_database_or_the_broker_on_the_hosts_loopback(start, port):
    # The hub's PostgreSQL and Redis do listen on the host's loopback...
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    # ...but the sandbox's 127.0.0.1 is its own.
    [result] = run_probe(start, "connect", "127.0.0.1", str(port))
    assert result == {"target": f"127.0.0.1:{port}", "reached": False, "error": "ECONNREFUSED"}


def test_the_outside_is_unreachable_at_once(start):
    [result] = run_probe(start, "connect", "1.1.1.1", "53")
    assert result == {"target": "1.1.1.1:53", "reached": False, "error": "ENETUNREACH"}


def test_it_cannot_reach_the_databases_unix_socket(start):
    [result] = run_probe(start, "unix", "/var/run/postgresql/.s.PGSQL.5432")
    assert result["reached"] is False


def test_it_cannot_read_the_hubs_secret_key_or_data(start):
    secret_key = Path(settings.HUB_DATA_DIR) / "secret_key"
    assert secret_key.read_bytes()  # it is there, on the host
    targets = [str(secret_key), str(settings.HUB_DATA_DIR), settings.DATABASES["default"]["NAME"]]
    results = run_probe(start, "read", *targets)
    assert [r["reached"] for r in results] == [False, False, False]
    assert {r["error"] for r in results} == {"ENOENT"}


def test_it_cannot_read_the_hosts_shadow_file(start):
    [result] = run_probe(start, "read", "/etc/shadow")
    assert result == {"target": "/etc/shadow", "reached": False, "error": "ENOENT"}


def test_it_cannot_write_the_system(start):
    results = run_probe(start, "write", "/etc/passwd", "/etc/owned", "/usr/owned", "/owned")
    assert [r["reached"] for r in results] == [False] * 4
    assert {r["error"] for r in results} <= {"EROFS", "EACCES"}


def test_it_sees_only_its_own_processes(start):
    [result] = run_probe(start, "processes")
    commands = list(result["processes"].values())
    # bwrap's init, the launcher (which relays), and the program itself.
    assert len(commands) == 3
    assert all("pytest" not in c and "manage.py" not in c for c in commands)
    assert any("hostile.py processes" in c for c in commands)


def test_it_sees_only_the_environment_it_was_given(start, workdir):
    (workdir / "env.py").write_text("import json, os; print(json.dumps(dict(os.environ)))")
    (workdir / "env.py").chmod(0o644)
    started = start("python3", "-I", "env.py")
    assert started.process.wait(timeout=20) == 0
    [env] = started.reports()
    env.pop("LC_CTYPE", None)  # Python's own locale coercion (PEP 538)
    assert env == {"PATH": "/usr/bin:/bin", "HOME": "/home/user"}


def test_it_runs_as_its_own_unprivileged_user_in_a_copy_of_its_workdir(start, workdir):
    (workdir / "who.py").write_text(
        "import json, os; open('made-here', 'w').write('x');"
        "print(json.dumps({'ids': [os.getuid(), os.getgid()], 'cwd': os.getcwd(),"
        " 'files': os.listdir()}))"
    )
    (workdir / "who.py").chmod(0o644)
    started = start("python3", "who.py")
    assert started.process.wait(timeout=20) == 0
    [seen] = started.reports()
    assert seen["ids"] == [started.uid, started.uid]
    assert seen["cwd"] == "/home/user/app"
    assert {"made-here", "who.py", "hostile.py"} <= set(seen["files"])
    assert not (workdir / "made-here").exists()  # writes stay in the sandbox
