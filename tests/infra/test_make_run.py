"""``make run`` for real: every process starts on the ports given, and Ctrl-C stops them all."""

import http.client
import os
import re
import signal
import smtplib
import subprocess

import pytest

from tests.clamd import EICAR, SIGNATURE, VIRUS_NAME, ask
from tests.support import (
    REPO,
    alive,
    descendants,
    free_ports,
    fresh_environment,
    greeting,
    is_listening,
    wait_until,
)


def _pong(port: int) -> bool:
    try:
        return ask(("127.0.0.1", port), b"PING") == b"PONG"
    except OSError:
        return False


def http_status(port: int, path: str) -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return None


@pytest.mark.timeout(240)
def test_make_run_starts_every_process_and_ctrl_c_stops_them_all(tmp_path):
    web, smtp, submission, pop3, clamd = free_ports(5)
    # Definitions for the local clamd make run starts (one signature: the EICAR test file).
    definitions = tmp_path / "clamav"
    definitions.mkdir()
    (definitions / "test.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
    env = fresh_environment(
        tmp_path / "home",
        HOSTPANEL_CLAMAV_DATABASE=str(definitions),
        HOSTPANEL_LOCAL_CLAMD_PORT=str(clamd),
        HOSTPANEL_WEB_PORT=str(web),
        HOSTPANEL_SMTP_PORT=str(smtp),
        HOSTPANEL_SUBMISSION_PORT=str(submission),
        HOSTPANEL_POP3_PORT=str(pop3),
        HOSTPANEL_WORKER_CONCURRENCY="1",
    )
    log_path = tmp_path / "make-run.log"
    with open(log_path, "wb") as log:
        make = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=REPO, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def output():
        return log_path.read_text(errors="replace")

    started = set()
    try:
        def up():
            assert make.poll() is None, output()
            return (http_status(web, "/admin/login/") == 200
                    and greeting(smtp).startswith(b"220 ")
                    # Submission may still answer "not yet", but it listens and replies.
                    and re.match(rb"\d{3}[ -]", greeting(submission))
                    and greeting(pop3).startswith(b"+OK")
                    and "ready." in output()
                    and "beat: Starting..." in output())

        wait_until(up, 150, "web, smtpd, pop3d, worker and beat to start", interval=0.5)
        wait_until(lambda: _pong(clamd), 60, "the local clamd to answer", interval=0.5)
        # The mail servers scan with it: the EICAR test file is refused in the session.
        with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
            client.ehlo("client.test")
            client.mail("bob@remote.test")
            client.rcpt("jane@example.com")
            code, text = client.data(b"Subject: test\r\n\r\n" + EICAR + b"\r\n")
        assert (code, text.decode()) == (
            554, f"5.7.1 Message rejected: virus found ({VIRUS_NAME})"), output()
        started = descendants(make.pid)
        # The terminal's Ctrl-C: SIGINT to the foreground process group.
        os.killpg(make.pid, signal.SIGINT)
        make.wait(60)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait(10)

    text = output()
    assert f"http://127.0.0.1:{web}/" in text
    assert f"127.0.0.1:{smtp}" in text and f"127.0.0.1:{pop3}" in text
    assert "jane%example.com" in text
    assert alive(started) == set()
    assert f"Virus scan   127.0.0.1:{clamd} (a local clamd" in text
    for port in (web, smtp, submission, pop3, clamd):
        assert not is_listening(port), port
    # The mail servers stop cleanly on the SIGTERM honcho sends them.
    for name in ("smtpd", "pop3d"):
        assert re.search(rf"{name}\.1 stopped \(rc=0\)", text), text
    assert (tmp_path / "home" / "db.sqlite3").exists()
