"""Hand-made hostile clients: SMTP smuggling, slow and idle clients, pipelining abuse.

Over real sockets against the servers started in-process; what the fuzzers in
test_fuzz_smtp and test_fuzz_pop3 try at random, here each case on purpose.
"""

import time

import pytest

from tests.conftest import PASSWORD
from tests.pop3.conftest import mail_jane, pop3_factory  # noqa: F401 (fixtures)
from tests.routing.helpers import inbox
from tests.security import test_fuzz_pop3 as pop3_wire
from tests.security.test_fuzz_smtp import assert_still_serving, greeted
from tests.smtp.conftest import start_smtp  # noqa: F401 (a fixture)
from tests.smtp.helpers import CLIENT_NAME

pytestmark = pytest.mark.timeout(60)

ENVELOPE = (f"EHLO {CLIENT_NAME}\r\nMAIL FROM:<bob@remote.test>\r\n"
            "RCPT TO:<jane@example.com>\r\nDATA\r\n").encode()
FIRST = b"From: <bob@remote.test>\r\nSubject: first\r\n\r\nthe first message"
SMUGGLED = (b"MAIL FROM:<ceo@example.com>\r\nRCPT TO:<jane@example.com>\r\nDATA\r\n"
            b"From: <ceo@example.com>\r\nSubject: smuggled\r\n\r\nwire the money\r\n")


@pytest.fixture
def mx(start_smtp, jane):  # noqa: F811
    return start_smtp()


def transaction_replies(wire) -> list[int]:
    """The codes of the EHLO, MAIL, RCPT and DATA replies."""
    return [wire.reply()[0] for _ in range(4)]


# SMTP smuggling: an end of data that only some servers see must not end the message here.


@pytest.mark.parametrize("fake_end", [b"\n.\n", b"\r.\n", b"\n.\r\n", b"\r.\r\n", b"\r\n.\n",
                                      b"\r\n.\r", b"\r\n\x00.\r\n", b"\n.\r\n\n"],
                         ids=["LF.LF", "CR.LF", "LF.CRLF", "CR.CRLF", "CRLF.LF", "CRLF.CR",
                              "CRLF-NUL.CRLF", "LF.CRLF-LF"])
def test_a_smuggled_end_of_data_does_not_end_the_message(mx, fake_end):
    wire = greeted(mx.mx_port)
    wire.send(ENVELOPE)
    assert transaction_replies(wire) == [250, 250, 250, 354]
    wire.send(FIRST + fake_end + SMUGGLED + b".\r\nQUIT\r\n")
    assert [code for code, _text in wire.replies_until_closed()] == [250, 221]
    wire.close()
    [stored] = inbox("jane@example.com")  # one message, with the would-be second inside
    assert b"the first message" in stored
    assert b"wire the money" in stored


def test_a_pipelined_smuggling_attempt_delivers_one_message(mx):
    wire = greeted(mx.mx_port)
    wire.send(ENVELOPE + FIRST + b"\n.\n" + SMUGGLED + b".\r\nQUIT\r\n")
    assert [code for code, _text in wire.replies_until_closed()] == [250, 250, 250, 354, 250, 221]
    wire.close()
    assert len(inbox("jane@example.com")) == 1


# Slow and idle clients.


def trickle(wire, data: bytes, pause: float) -> None:
    for byte in data:
        wire.send(bytes([byte]))
        time.sleep(pause)


def test_a_client_sending_one_byte_at_a_time_within_the_timeout_is_served(start_smtp, jane):  # noqa: F811
    server = start_smtp(smtp_timeout=1)
    wire = greeted(server.mx_port)
    for line in ENVELOPE.split(b"\r\n")[:-1]:
        trickle(wire, line + b"\r\n", 0.01)
        assert wire.reply()[0] in (250, 354)
    # The message takes longer than the timeout in all, but no pause is near it.
    trickle(wire, FIRST + b"\r\n" + b"x" * 150 + b"\r\n.\r\n", 0.01)
    code, text = wire.reply()
    assert code == 250, text
    wire.send(b"QUIT\r\n")
    assert wire.reply()[0] == 221
    wire.close()
    [stored] = inbox("jane@example.com")
    assert stored.rstrip().endswith(b"x" * 150)


@pytest.mark.parametrize("unfinished", [b"MAIL FRO", b"DATA\r\nSubject: half a message\r\n"],
                         ids=["in-a-command", "in-the-data"])
def test_a_client_that_stops_sending_is_disconnected_and_nothing_delivered(start_smtp, jane,  # noqa: F811
                                                                           unfinished):
    server = start_smtp(smtp_timeout=1)
    wire = greeted(server.mx_port)
    wire.send(ENVELOPE.removesuffix(b"DATA\r\n") + unfinished)
    replies = wire.replies_until_closed()  # waits for the server to hang up
    wire.close()
    assert [code for code, _text in replies][:3] == [250, 250, 250]
    assert inbox("jane@example.com") == []
    assert_still_serving(server.mx_port)


# Pipelining abuse.


def test_thousands_of_pipelined_commands_are_all_answered_in_order(mx):
    wire = greeted(mx.mx_port)
    wire.send(f"EHLO {CLIENT_NAME}\r\n".encode() + b"RSET\r\nNOOP\r\n" * 2500
              + b"\x00\xff\r\n" * 1000 + b"QUIT\r\n")
    codes = [code for code, _text in wire.replies_until_closed()]
    wire.close()
    assert codes == [250] + [250] * 5000 + [500] * 1000 + [221]
    assert_still_serving(mx.mx_port)


def test_another_protocol_spoken_to_the_smtp_port_is_cut_off(mx):
    wire = greeted(mx.mx_port)
    wire.send(b"GET / HTTP/1.1\r\nHost: mx.test.example\r\nUser-Agent: x\r\n" * 1000)
    replies = wire.replies_until_closed()
    wire.close()
    assert len(replies) < 20
    assert replies[-1][1].endswith(b"goodbye.")
    assert_still_serving(mx.mx_port)


@pytest.mark.parametrize("line", [
    b"MAIL FROM:<bob\x00@remote.test>", b"MAIL FROM:<bob@remote.test\rRCPT TO:<x@y>>",
    b"MAIL FROM:<b\xffob@remote.test> SMTPUTF8", b"MAIL FROM:<bob@remote.test\x7f>",
    b"RCPT TO:<jane@example.com\x00>", b"RCPT TO:<jane@example.com>\rDATA",
    b"RCPT TO:<jane\r@example.com>", b"RCPT TO:<jane\xff@example.com>",
])
def test_nul_bare_cr_and_bad_utf8_inside_addresses_are_refused(mx, caplog, line):
    # A sender with a NUL or bytes that are not UTF-8 was taken, then failed at the
    # end of DATA with an internal error (451): refused at once now, as bad syntax.
    wire = greeted(mx.mx_port)
    prefix = (b"MAIL FROM:<bob@remote.test> SMTPUTF8\r\n" if line.startswith(b"RCPT")
              else b"")
    wire.send(f"EHLO {CLIENT_NAME}\r\n".encode() + prefix)
    assert [wire.reply()[0] for _ in range(1 + bool(prefix))] == [250] * (1 + bool(prefix))
    wire.send(line + b"\r\n")
    code, text = wire.reply()
    assert 500 <= code < 600, text
    wire.send(b"QUIT\r\n")
    assert wire.reply()[0] == 221
    wire.close()
    assert inbox("jane@example.com") == []
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []


# POP3: a client that pipelines retrievals and never reads the answers.


@pytest.fixture
def slow_pop3(settings, pop3_factory, mail_jane):  # noqa: F811
    settings.HOSTPANEL_POP3_TIMEOUT = 1
    server = pop3_factory()
    mail_jane(pop3_wire.MESSAGE)
    mail_jane(b"From: bob@remote.test\nSubject: big\n\n" + (b"y" * 76 + b"\n") * 5000)
    return server


def test_a_pop3_client_that_does_not_read_its_retrievals_is_disconnected(slow_pop3):
    wire = pop3_wire.greeted(slow_pop3.port)
    wire.send(pop3_wire.LOGIN + b"RETR 2\r\n" * 2000)  # about 800 MB of answers
    time.sleep(3)  # reads nothing while the server waits to send
    received = 0
    try:
        while chunk := wire.sock.recv(1 << 20):
            received += len(chunk)
    except ConnectionResetError:
        pass  # closed with the unread commands still queued: a reset, not an end
    wire.close()
    assert received < 2000 * 400_000  # it gave up long before sending it all
    pop3_wire.assert_still_serving(slow_pop3.port)  # the maildrop lock was released


def test_a_pop3_client_sending_one_byte_at_a_time_is_served(slow_pop3):
    wire = pop3_wire.greeted(slow_pop3.port)
    for line in (b"USER jane@example.com\r\n", f"PASS {PASSWORD}\r\n".encode(), b"STAT\r\n"):
        trickle(wire, line, 0.01)
        assert wire.status().startswith(b"+OK")
    trickle(wire, b"QUIT\r\n", 0.01)
    assert wire.status().startswith(b"+OK")
    wire.close()


def test_thousands_of_pipelined_pop3_commands_are_all_answered(slow_pop3):
    wire = pop3_wire.greeted(slow_pop3.port)
    wire.send(pop3_wire.LOGIN + b"NOOP\r\n" * 3000 + b"\x00\r\n" * 1000 + b"QUIT\r\n")
    assert [wire.status()[:3] for _ in range(2)] == [b"+OK", b"+OK"]
    answers = [wire.status() for _ in range(4000)]
    assert answers.count(b"+OK") == 3000
    assert answers.count(b"-ERR unknown command") == 1000
    assert wire.status().startswith(b"+OK")  # QUIT
    assert wire.line() is None
    wire.close()
