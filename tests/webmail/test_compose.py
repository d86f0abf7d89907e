"""Writing: new messages and replies leave through submission, to local and remote mailboxes.

The submission pipeline works in threads (as in the server): these tests use a
committed database (transactional_db).
"""

from email import policy
from email.parser import BytesParser

import pytest

from hostpanel.outbound.models import OutboundMessage
from tests.clamd import EICAR, ClamdProcess
from tests.net import run_queue
from tests.webmail.conftest import deliver, mailbox_of, make_message


def _parse(data: bytes):
    return BytesParser(policy=policy.default).parsebytes(data)


def _inbox(address: str) -> list:
    return [_parse(m.path.read_bytes()) for m in mailbox_of(address).messages()]


@pytest.fixture
def jane_logged_in(transactional_db, client, jane, test_dns):
    client.force_login(jane)
    return client


def test_a_message_to_a_local_mailbox_arrives_with_its_headers(jane_logged_in, john):
    response = jane_logged_in.post("/webmail/compose/", {
        "to": "john@example.com", "subject": "Lunch", "body": "At noon?\nJane"}, follow=True)
    assert "Your message was sent." in response.content.decode()
    [received] = _inbox("john@example.com")
    assert received["From"] == "jane@example.com"
    assert received["Subject"] == "Lunch"
    assert received["Message-ID"].endswith("@example.com>")
    assert received["Date"]
    assert received["Received"].startswith("from webmail")
    assert "ESMTPA" in received["Received"]
    assert received["Delivered-To"] == "john@example.com"
    assert received["X-Virus-Scanned"]
    assert received.get_content() == "At noon?\nJane\n"
    assert OutboundMessage.objects.count() == 0


def test_a_message_to_a_remote_address_goes_through_the_outbound_queue(jane_logged_in, sink,
                                                                        test_dns):
    test_dns.add_mail_domain("remote.test")
    response = jane_logged_in.post("/webmail/compose/", {
        "to": "Friend <friend@remote.test>", "cc": "other@remote.test", "subject": "Hi",
        "body": "Greetings."})
    assert response.status_code == 302
    [queued] = OutboundMessage.objects.all()
    assert (queued.origin, queued.sender, queued.domain.name) == (
        "submission", "jane@example.com", "example.com")
    run_queue()
    [sent] = sink.messages
    assert sent.mail_from == "jane@example.com"
    assert sorted(sent.rcpt_tos) == ["friend@remote.test", "other@remote.test"]
    message = _parse(sent.data)
    assert message["From"] == "jane@example.com" and message["Subject"] == "Hi"
    assert message["To"] == "friend@remote.test" and message["Cc"] == "other@remote.test"
    assert message["Message-ID"] and message["Date"]
    assert message["DKIM-Signature"]


def test_each_bad_recipient_is_named_and_nothing_is_sent(jane_logged_in, john, sink):
    response = jane_logged_in.post("/webmail/compose/", {
        "to": "john@example.com, nobody@example.com, not an address", "cc": "x@[127.0.0.1]",
        "subject": "Oops", "body": "Keep me"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "“not an address” is not an email address." in page
    assert "Keep me" in page and 'value="Oops"' in page
    response = jane_logged_in.post("/webmail/compose/", {
        "to": "john@example.com, nobody@example.com", "cc": "x@[127.0.0.1]",
        "subject": "Oops", "body": "Keep me"})
    page = response.content.decode()
    assert "nobody@example.com: there is no such address." in page
    assert "x@[127.0.0.1]: this address cannot receive mail." in page
    assert _inbox("john@example.com") == [] and OutboundMessage.objects.count() == 0
    empty = jane_logged_in.post("/webmail/compose/", {"to": "", "subject": "s", "body": "b"})
    assert "This field is required." in empty.content.decode()


def test_a_message_over_the_size_limit_is_refused(jane_logged_in, john, settings):
    settings.HOSTPANEL_MESSAGE_SIZE_LIMIT = 2000
    response = jane_logged_in.post("/webmail/compose/", {
        "to": "john@example.com", "subject": "Big", "body": "x" * 5000})
    assert "The message is too big to send." in response.content.decode()
    assert _inbox("john@example.com") == []


def test_a_reply_quotes_and_threads(jane_logged_in, john):
    original = make_message(subject="Plans", sender="John <john@example.com>",
                            body="Shall we meet?\nOn Friday.", message_id="<plans-2@example.com>",
                            References="<plans-1@example.com>")
    stored = deliver("jane@example.com", original)
    form = jane_logged_in.get(f"/webmail/compose/?reply={stored.uid}").content.decode()
    assert 'value="john@example.com"' in form and 'value="Re: Plans"' in form
    assert "&gt; Shall we meet?\n&gt; On Friday." in form
    assert f'name="reply" value="{stored.uid}"' in form
    response = jane_logged_in.post("/webmail/compose/", {
        "to": "john@example.com", "subject": "Re: Plans", "reply": stored.uid,
        "body": "Yes.\n\n> Shall we meet?"})
    assert response.status_code == 302
    [reply] = _inbox("john@example.com")
    assert reply["Subject"] == "Re: Plans"
    assert reply["In-Reply-To"] == "<plans-2@example.com>"
    assert reply["References"] == "<plans-1@example.com> <plans-2@example.com>"
    assert reply["From"] == "jane@example.com"


@pytest.fixture(scope="module")
def clamd(tmp_path_factory):
    process = ClamdProcess(tmp_path_factory.mktemp("clamd")).start()
    yield process
    process.stop()


def test_a_virus_is_refused_when_clamd_is_configured(jane_logged_in, john, settings, clamd):
    settings.HOSTPANEL_CLAMD = clamd.setting
    response = jane_logged_in.post("/webmail/compose/", {
        "to": "john@example.com", "subject": "Test file", "body": EICAR.decode()})
    assert "The message was not sent: it contains a virus." in response.content.decode()
    assert _inbox("john@example.com") == []
    clean = jane_logged_in.post("/webmail/compose/", {
        "to": "john@example.com", "subject": "Clean", "body": "Nothing to see."})
    assert clean.status_code == 302
    [received] = _inbox("john@example.com")
    assert received["X-Virus-Scanned"].startswith("clamd")


def test_a_subject_cannot_add_headers(jane_logged_in, john):
    response = jane_logged_in.post("/webmail/compose/", {
        "to": "john@example.com", "subject": "Hi\r\nBcc: victim@remote.test", "body": "x"})
    assert response.status_code == 302
    [received] = _inbox("john@example.com")
    assert received["Subject"] == "Hi Bcc: victim@remote.test" and received["Bcc"] is None
