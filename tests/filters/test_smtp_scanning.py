"""The SMTP servers with a real clamd: what clients hear, what is stored, what is quarantined."""

import json
import smtplib
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from hostpanel.quarantine.models import QuarantinedMessage
from tests.clamd import VIRUS_NAME, ClamdProcess
from tests.filters import messages
from tests.routing.helpers import inbox, queued
from tests.smtp.helpers import CLIENT_NAME, connect
from tests.submission.helpers import logged_in

VIRUS_REPLY = (554, f"5.7.1 Message rejected: virus found ({VIRUS_NAME})")
SCANNER_DOWN = (451, "4.7.1 Virus scanner unavailable, try again later")


def send(server, data: bytes, to=("jane@example.com",), sender="bob@remote.test"):
    """The DATA reply as ``(code, text)``."""
    with connect(server) as client:
        client.mail(sender)
        for address in to:
            client.rcpt(address)
        try:
            code, text = client.data(data)
        except smtplib.SMTPDataError as error:
            code, text = error.smtp_code, error.smtp_error
    return code, text.decode()


def headers_of(stored: bytes):
    return message_from_bytes(stored, policy=policy.default)


@pytest.mark.parametrize("build", [messages.eicar_plain, messages.eicar_attached,
                                   messages.eicar_zipped])
def test_infected_mail_is_refused_naming_the_virus_and_quarantined(scanning_server,
                                                                    quarantine_dir, build):
    data = build()
    assert send(scanning_server, data) == VIRUS_REPLY
    assert inbox("jane@example.com") == []
    [entry] = QuarantinedMessage.objects.all()
    assert (entry.domain.name, entry.sender, entry.recipients, entry.virus, entry.client_ip) == (
        "example.com", "bob@remote.test", ["jane@example.com"], VIRUS_NAME, "127.0.0.1")
    stored = Path(entry.path)
    assert stored.parent == quarantine_dir / "messages"
    assert stored.read_bytes().startswith(f"Received: from {CLIENT_NAME}".encode())
    assert stored.read_bytes().endswith(data)
    envelope = json.loads(stored.with_suffix(".json").read_text())
    assert envelope["sender"] == "bob@remote.test"
    assert envelope["recipients"] == ["jane@example.com"]
    assert envelope["virus"] == VIRUS_NAME
    assert envelope["client_ip"] == "127.0.0.1"
    assert envelope["time"]


def test_clean_mail_is_delivered_with_the_scanner_named(scanning_server):
    code, _ = send(scanning_server, messages.clean())
    assert code == 250
    [stored] = inbox("jane@example.com")
    assert headers_of(stored)["X-Virus-Scanned"].startswith("clamd ClamAV ")
    assert QuarantinedMessage.objects.count() == 0


def test_one_quarantined_message_has_a_row_per_recipient_domain(scanning_server, quarantine_dir,
                                                                 domain_factory, account_factory):
    other = domain_factory("other.test")
    account_factory(other, "ann")
    reply = send(scanning_server, messages.eicar_plain(),
                 to=("jane@example.com", "ann@other.test"))
    assert reply == VIRUS_REPLY
    rows = QuarantinedMessage.objects.order_by("domain__name")
    assert [row.domain.name for row in rows] == ["example.com", "other.test"]
    assert len({row.path for row in rows}) == 1
    assert len(list((quarantine_dir / "messages").glob("*.eml"))) == 1


def test_a_stopped_clamd_gives_a_temporary_failure_and_nothing_is_accepted(
        start_smtp, quarantine_dir, jane, tmp_path):
    stopped = ClamdProcess(tmp_path / "clamd").start()
    stopped.stop()
    server = start_smtp(clamd=stopped.setting, clamd_timeout=5, quarantine=quarantine_dir)
    assert send(server, messages.clean()) == SCANNER_DOWN
    assert send(server, messages.eicar_plain()) == SCANNER_DOWN
    assert inbox("jane@example.com") == []
    assert QuarantinedMessage.objects.count() == 0


def test_without_a_scanner_mail_is_accepted_and_marked_not_scanned(start_smtp, jane, settings):
    settings.HOSTPANEL_CLAMD = ""
    server = start_smtp()
    code, _ = send(server, messages.eicar_plain())
    assert code == 250
    [stored] = inbox("jane@example.com")
    assert headers_of(stored)["X-Virus-Scanned"] == "no (no scanner configured)"


def test_an_infected_submission_is_refused_and_the_sender_gets_a_notice(
        start_smtp, clamd, quarantine_dir, jane, tls_files, client_tls_context):
    cert, key = tls_files
    server = start_smtp(clamd=clamd.setting, clamd_timeout=10, quarantine=quarantine_dir,
                        tls_cert=cert, tls_key=key)
    data = messages.eicar_attached(sender="jane@example.com", to="x@remote.test",
                                   subject="Quarterly figures")
    with logged_in(server, client_tls_context) as client:
        client.mail("jane@example.com")
        client.rcpt("x@remote.test")
        code, text = client.data(data)
    assert (code, text.decode()) == VIRUS_REPLY
    assert [entry for entry in queued() if entry["origin"] == "submission"] == []
    [entry] = QuarantinedMessage.objects.all()
    assert (entry.domain.name, entry.recipients) == ("example.com", ["x@remote.test"])
    [notice] = inbox("jane@example.com")
    notice = headers_of(notice)
    assert notice["Subject"] == "Your message was not sent: it contains a virus"
    assert notice["Auto-Submitted"] == "auto-replied"
    body = notice.get_content()
    assert VIRUS_NAME in body
    assert "Quarterly figures" in body
    assert "x@remote.test" in body
