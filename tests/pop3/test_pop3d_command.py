"""``manage.py pop3d`` as its own process: serves, and stops cleanly on SIGTERM."""

import os
import poplib
import re
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.conftest import PASSWORD
from tests.support import database_url_for_children

MANAGE = Path(__file__).resolve().parents[2] / "manage.py"


def test_pop3d_serves_a_login_and_stops_on_sigterm(transactional_db, jane):
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="tests.settings",
        HOSTPANEL_MAIL_ROOT=str(settings.HOSTPANEL_MAIL_ROOT),
        DATABASE_URL=database_url_for_children(),
    )
    process = subprocess.Popen(
        [sys.executable, str(MANAGE), "pop3d", "--host", "127.0.0.1", "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        first_line = process.stdout.readline()
        match = re.fullmatch(r"pop3d listening on 127\.0\.0\.1:(\d+)\n", first_line)
        assert match, first_line or process.stderr.read()
        client = poplib.POP3("127.0.0.1", int(match.group(1)), timeout=10)
        client.user("jane%example.com")
        assert client.pass_(PASSWORD).startswith(b"+OK jane@example.com has 0 messages")
        client.quit()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert "pop3 session client=127.0.0.1 login=jane@example.com" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
