"""``make run`` for real: every process starts on the ports given, and Ctrl-C stops them all."""

import http.client
import os
import re
import signal
import subprocess

import pytest

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


def http_status(port: int, path: str) -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return None


@pytest.mark.timeout(240)
def test_make_run_starts_every_process_and_ctrl_c_stops_them_all(tmp_path):
    web, smtp, submission, pop3 = free_ports(4)
    env = fresh_environment(
        tmp_path / "home",
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
    for port in (web, smtp, submission, pop3):
        assert not is_listening(port), port
    # The mail servers stop cleanly on the SIGTERM honcho sends them.
    for name in ("smtpd", "pop3d"):
        assert re.search(rf"{name}\.1 stopped \(rc=0\)", text), text
    assert (tmp_path / "home" / "db.sqlite3").exists()
