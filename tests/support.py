"""Helpers for tests that run hostpanel's own processes: env, ports, waiting, process trees."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.db import connection

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
CELERY = str(Path(sys.executable).parent / "celery")

# What a developer's shell may carry that would steer a process away from a fresh home.
_STATE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE",
                    "MAKEFLAGS", "MFLAGS", "MAKELEVEL")


def fresh_environment(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a first start: no HOSTPANEL_* or database settings but ``home``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HOSTPANEL_") and key.removesuffix("_FILE") not in _STATE_VARIABLES
    }
    env["HOSTPANEL_HOME"] = str(home)
    env.update(extra)
    return env


def database_url_for_children() -> str:
    """A DATABASE_URL for the test database, so that a child process sees committed rows."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{db.get('HOST') or 'localhost'}{port}/{db['NAME']}"


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def wait_until(predicate, timeout: float, what: str, interval: float = 0.2):
    """Poll ``predicate`` until it returns something true; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def greeting(port: int) -> bytes:
    """The first line a server on 127.0.0.1:``port`` sends, or b'' when it is not there yet."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.settimeout(5)
            return sock.recv(512)
    except OSError:
        return b""


def is_listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def _process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) for every process, read from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        table[int(entry.name)] = (int(fields[1]), fields[0])
    return table


def descendants(pid: int) -> set[int]:
    table = _process_table()
    found, frontier = set(), {pid}
    while frontier:
        children = {child for child, (parent, _state) in table.items() if parent in frontier}
        frontier = children - found
        found |= children
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (zombies waiting to be reaped count as stopped)."""
    table = _process_table()
    return {pid for pid in pids if pid in table and table[pid][1] != "Z"}


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """Make sure a process started by a test is gone, whatever the test did."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
