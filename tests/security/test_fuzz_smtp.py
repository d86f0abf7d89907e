"""Random command lines against the real SMTP listeners, over real sockets.

Whatever a client sends (NUL bytes, bare CR or LF, 8-bit and Unicode text, lines far
over the limit, bursts of pipelined commands), every line gets a well-formed reply
(a 3-digit code), no reply shows a Python error, the connection either goes on or is
closed after a closing reply, and a fresh connection afterwards is served. Bounded:
a fixed number of examples, derandomized so that a run in CI is reproducible.
"""

import logging
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.wire import PYTHON_ERROR, Wire
from tests.smtp.conftest import start_smtp  # noqa: F401 (a fixture)
from tests.smtp.helpers import CLIENT_NAME

pytestmark = pytest.mark.timeout(90)

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
# A reply line: three digits, then a space (last line) or a hyphen (more follow).
REPLY_LINE = re.compile(rb"[2-5][0-9]{2}([ -][^\r\n]*)?")
CLOSING = (221, 421)


class SmtpWire(Wire):
    """A raw SMTP client: bytes out, reply lines in, nothing interpreted for us."""

    def __init__(self, port: int):
        super().__init__(port)
        self.seen: list[bytes] = []

    def reply(self) -> tuple[int, bytes] | None:
        """The next reply ``(code, text of all its lines)``, None at the end of the connection.

        Fails the test on a line that is not a reply or that shows a Python error.
        """
        lines = []
        while True:
            line = self.line()
            if line is None:
                assert not lines, f"the connection ended inside a reply: {lines!r}"
                assert not self.buffer, f"the connection ended on a partial line: {self.buffer!r}"
                return None
            assert REPLY_LINE.fullmatch(line), f"not an SMTP reply line: {line!r}"
            assert not PYTHON_ERROR.search(line), f"a Python error reached the client: {line!r}"
            lines.append(line)
            self.seen.append(line)
            if line[3:4] != b"-":
                break
        codes = {line[:3] for line in lines}
        assert len(codes) == 1, f"a multi-line reply with several codes: {lines!r}"
        return int(lines[0][:3]), b"\n".join(line[4:] for line in lines)

    def replies_until_closed(self) -> list[tuple[int, bytes]]:
        replies = []
        while (reply := self.reply()) is not None:
            replies.append(reply)
        return replies



def greeted(port: int) -> SmtpWire:
    wire = SmtpWire(port)
    code, _text = wire.reply()
    assert code == 220
    return wire


def assert_still_serving(port: int) -> None:
    """A new client is greeted and its EHLO, NOOP and QUIT answered as usual."""
    wire = greeted(port)
    wire.send(f"EHLO {CLIENT_NAME}\r\n".encode())
    assert wire.reply()[0] == 250
    wire.send(b"NOOP\r\n")
    assert wire.reply()[0] == 250
    wire.send(b"QUIT\r\n")
    assert wire.reply()[0] == 221
    assert wire.reply() is None
    wire.close()


def unexpected_errors(caplog) -> list[str]:
    """Log records of exceptions the server did not expect (it logs them at ERROR)."""
    return [record.getMessage() for record in caplog.records
            if record.levelno >= logging.ERROR and record.name.startswith(("mailcore", "aiosmtpd"))]


VERBS = ["HELO", "EHLO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "VRFY", "EXPN", "HELP",
         "AUTH", "STARTTLS", "BDAT", "ETRN", "TURN", "mail", "Rcpt", "ehlo", "QUIT"]
ARGUMENTS = [
    "", "client.example", "[127.0.0.1]", "[IPv6:::1]", "FROM:<bob@remote.test>", "FROM:<>",
    "FROM:bob@remote.test", "FROM:<bob@remote.test> SIZE=99999999999999999999999",
    "FROM:<bob@remote.test> BODY=8BITMIME SMTPUTF8", "FROM:<bob@remote.test> BODY=BINARYMIME",
    "FROM:<bob@remote.test> SIZE=-1", "FROM:<bob@remote.test> X=Y=Z ==", "FROM:<<>>",
    "TO:<jane@example.com>", "TO:<JANE@EXAMPLE.COM.>", "TO:<postmaster>", "TO:<>",
    "TO:<jane@example.com> NOTIFY=NEVER ORCPT=rfc822;x", "TO:<\"j a\"@example.com>",
    "TO:<@relay.test:jane@example.com>", "TO:<jane%remote.test@example.com>",
    "TO:<jörg@exämple.org>", "TO:<jane@[127.0.0.1]>", "TO:<" + "a" * 300 + "@example.com>",
    "PLAIN", "PLAIN =", "PLAIN AGphbmU=", "LOGIN", "CRAM-MD5", "PLAIN !!!!",
    "jane@example.com", "1000 LAST", "\x00", "\t", " ", "FROM: <bob@remote.test>",
]


def command_lines():
    """One command line's content (no line ending), hostile in some way or not at all."""
    verb_and_argument = st.builds(
        lambda verb, argument: f"{verb} {argument}".rstrip(" ").encode("utf-8", "surrogatepass"),
        st.sampled_from(VERBS), st.sampled_from(ARGUMENTS) | st.text(max_size=40))
    long_line = st.builds(lambda verb, size, filler: verb.encode() + b" " + filler * size,
                          st.sampled_from(VERBS), st.integers(400, 5000),
                          st.sampled_from([b"A", b"\x00", b"\xff", b"<", b"\r", b" "]))
    raw = st.binary(max_size=200)
    unicode = st.text(max_size=60).map(lambda text: text.encode("utf-8", "surrogatepass"))
    return st.one_of(verb_and_argument, verb_and_argument, long_line, raw, unicode).map(
        lambda line: line.replace(b"\n", b"\r"))  # one command: a bare LF would end it


ENDINGS = st.sampled_from([b"\r\n", b"\r\n", b"\n", b"\r\r\n", b"\x00\r\n"])
LINES = st.lists(st.tuples(command_lines(), ENDINGS).map(b"".join), min_size=1, max_size=8)
TRANSACTION = [b"MAIL FROM:<bob@remote.test>\r\n", b"RCPT TO:<jane@example.com>\r\n"]
# Random lines alone, or inside a transaction that reaches DATA, or after an AUTH prompt.
COMMANDS = st.one_of(
    LINES,
    LINES.map(lambda lines: TRANSACTION + lines + [b"DATA\r\n"]),
    LINES.map(lambda lines: [b"AUTH LOGIN\r\n", *lines]),
)
BODY = b"Subject: fuzz\r\n\r\nhello\r\n.\r\n"


def converse(wire: SmtpWire, lines: list[bytes]) -> None:
    """Send the lines one at a time, each waiting for its reply (DATA and AUTH completed)."""
    for line in lines:
        if not wire.send(line):
            pytest.fail(f"the server closed the connection without a closing reply before {line!r}")
        reply = wire.reply()
        assert reply is not None, f"no reply to {line!r}"
        code, text = reply
        if code == 354:  # DATA accepted: finish the message
            wire.send(BODY)
            code, text = wire.reply()
        elif code == 334:  # an AUTH challenge: cancel it
            wire.send(b"*\r\n")
            code, text = wire.reply()
        if code in CLOSING or text.endswith(b"goodbye."):
            assert wire.reply() is None, "the server said goodbye but kept the connection"
            return
    wire.send(b"QUIT\r\n")
    code, _text = wire.reply()
    if code == 354:  # the QUIT answered a pipelined-style DATA; not reached one at a time
        pytest.fail("QUIT was taken as message data")
    assert code == 221
    assert wire.reply() is None


@pytest.fixture
def mx(start_smtp, jane):  # noqa: F811
    return start_smtp()


@FUZZ
@given(ehlo_first=st.booleans(), lines=COMMANDS)
def test_every_command_line_gets_a_well_formed_reply(mx, caplog, ehlo_first, lines):
    wire = greeted(mx.mx_port)
    try:
        if ehlo_first:
            wire.send(f"EHLO {CLIENT_NAME}\r\n".encode())
            assert wire.reply()[0] == 250
        converse(wire, lines)
    finally:
        wire.close()
    assert unexpected_errors(caplog) == []
    assert_still_serving(mx.mx_port)


@FUZZ
@given(lines=COMMANDS)
def test_a_pipelined_burst_of_random_commands_is_answered_and_ended(mx, caplog, lines):
    wire = greeted(mx.mx_port)
    try:
        # Everything at once, then end any message data and say QUIT.
        wire.send(f"EHLO {CLIENT_NAME}\r\n".encode() + b"".join(lines) + b"\r\n.\r\nQUIT\r\n")
        replies = wire.replies_until_closed()
    finally:
        wire.close()
    assert replies, "no reply at all"
    assert replies[0][0] == 250  # the EHLO
    assert unexpected_errors(caplog) == []
    assert_still_serving(mx.mx_port)


@pytest.fixture
def submission(start_smtp, jane):  # noqa: F811
    return start_smtp(auth_plaintext_loopback=True)


@FUZZ
@given(lines=COMMANDS)
def test_the_submission_listener_answers_random_commands_and_logins(submission, caplog, lines):
    wire = greeted(submission.submission_port)
    try:
        wire.send(f"EHLO {CLIENT_NAME}\r\n".encode())
        assert wire.reply()[0] == 250
        converse(wire, lines)
    finally:
        wire.close()
    assert unexpected_errors(caplog) == []
    assert_still_serving(submission.submission_port)
