"""Shared by ``web``, ``worker`` and ``beat``: hand the process over to gunicorn or Celery."""

import os
import sys

from django.conf import settings
from django.db import connections


def exec_module(module: str, args: list[str]) -> None:
    """Replace this process with ``python -m module args``: it keeps the PID (systemd's main
    process, Docker's PID 1) and gets SIGTERM itself. The project is put on PYTHONPATH so the
    child imports the same code wherever it is started from."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(settings.BASE_DIR), *filter(None, [env.get("PYTHONPATH")])])
    connections.close_all()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", module, *args], env)  # noqa: S606
