"""Small helpers shared by the benchmark scripts under bench/ (not a test helper).

- :func:`install_debian`: install reference servers from Debian packages, without
  prompts and without starting them as system services.
- :func:`hostpanel_env` / :func:`manage`: a throwaway hostpanel instance in its own
  HOSTPANEL_HOME (SQLite), and its ``manage.py`` commands run as child processes.
- :func:`free_port`, :func:`wait_for_port`, :func:`stop`: processes on loopback.
- :func:`median_of`, :func:`ratio`: what the scripts print (medians of repetitions, and a
  figure of ours divided by the reference's).

Keep it small: each script keeps what only it needs.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESULTS = ROOT / "bench" / "results"

# What a developer's shell may carry that would steer a process away from a fresh home.
_STATE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")


def install_debian(packages: Iterable[str], commands: Iterable[str] = (),
                   debconf: Iterable[str] = ()) -> None:
    """``apt-get install`` the packages unless every one of ``commands`` is already found.

    ``debconf`` lines (``postfix postfix/main_mailer_type select Local only``) are set
    first, so nothing asks. Needs root. Debian does not start services in this image (no
    init); callers still make sure no system instance listens where they listen.
    """
    commands = list(commands)
    if commands and all(shutil.which(c) or Path(c).exists() for c in commands):
        return
    if os.geteuid() != 0:
        raise SystemExit(f"install as root first: apt-get install {' '.join(packages)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    lines = "\n".join(debconf)
    if lines:
        subprocess.run(["debconf-set-selections"], input=lines + "\n", text=True, check=True)
    print(f"installing {' '.join(packages)} ...", flush=True)
    updated = False
    for attempt in range(30):  # another apt-get may hold the lock for a while
        done = subprocess.run(["apt-get", "install", "-y", "-q", *packages], env=env,
                              capture_output=True, text=True)
        if done.returncode == 0:
            return
        if "Unable to locate package" in done.stderr and not updated:  # no package lists yet
            subprocess.run(["apt-get", "update", "-q"], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            updated = True
            continue
        if "Could not get lock" not in done.stderr or attempt == 29:
            raise SystemExit(f"apt-get install failed:\n{done.stderr}")
        time.sleep(5)


def hostpanel_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh instance in ``home``: no other HOSTPANEL_* or database
    variables from the caller's shell, SQLite in ``home``, unbuffered output."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("HOSTPANEL_") and key not in _STATE_VARIABLES}
    env.update(HOSTPANEL_HOME=str(home), PYTHONUNBUFFERED="1",
               DJANGO_SETTINGS_MODULE="hostpanel.settings")
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run ``manage.py ARGS`` in ``env``; its output, or SystemExit with it on failure."""
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60.0, what: str = "server",
                  process: subprocess.Popen | None = None) -> None:
    """Until something accepts connections on 127.0.0.1:``port`` (SystemExit after
    ``timeout``, or as soon as ``process`` has exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"{what} exited with status {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not listen on port {port} within {timeout:.0f} s")


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM, then SIGKILL if it does not exit in ``timeout`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def median_of(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def ratio(ours: float, reference: float) -> float:
    """``ours / reference`` (above 1: ours does more per second), NaN without a reference."""
    return ours / reference if reference else float("nan")
