"""Random command lines against the real POP3 server, over real sockets.

Before and after logging in, whatever a client sends (NUL bytes, bare CR or LF, 8-bit
and Unicode text, lines far over the limit, pipelined bursts) gets ``+OK`` or ``-ERR``
per line and never an internal error; the session goes on or ends after a reply, and
a fresh session afterwards logs in and reads the mail. Bounded and derandomized.
"""

import logging
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import PASSWORD
from tests.pop3.conftest import mail_jane, pop3_factory  # noqa: F401 (fixtures)
from tests.security.wire import PYTHON_ERROR, Wire

pytestmark = pytest.mark.timeout(90)

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
STATUS_LINE = re.compile(rb"(\+OK|-ERR)( [^\r\n]*)?|\+ [^\r\n]*")
MESSAGE = b"From: bob@remote.test\nSubject: hello\n\n.a dot line\nbody\n"
LOGIN = f"USER jane@example.com\r\nPASS {PASSWORD}\r\n".encode()


class Pop3Wire(Wire):
    """A raw POP3 client: bytes out, lines in."""

    def line(self) -> bytes | None:
        line = super().line()
        if line is None:
            assert not self.buffer, f"the connection ended on a partial line: {self.buffer!r}"
        return line

    def status(self) -> bytes | None:
        """The next status line, checked; None at the end of the connection."""
        line = self.line()
        if line is not None:
            assert STATUS_LINE.fullmatch(line), f"not a POP3 status line: {line!r}"
            assert not PYTHON_ERROR.search(line), f"a Python error reached the client: {line!r}"
            assert b"internal server error" not in line, "a command failed inside the server"
        return line

    def body(self) -> list[bytes]:
        """A multi-line response's lines up to the final dot."""
        lines = []
        while (line := self.line()) != b".":
            assert line is not None, "the connection ended inside a multi-line response"
            assert not line.startswith(b".") or line.startswith(b".."), f"not dot-stuffed: {line!r}"
            lines.append(line)
        return lines



def is_multiline(line: bytes) -> bool:
    """Whether ``+OK`` to this line comes with a multi-line body (as the server reads it)."""
    text = line.rstrip(b"\r\n").decode("utf-8", "replace")
    keyword, _, argument = text.partition(" ")
    keyword = keyword.upper()
    return keyword in ("CAPA", "RETR", "TOP") or (
        keyword in ("LIST", "UIDL", "AUTH") and not argument.strip())


def greeted(port: int) -> Pop3Wire:
    wire = Pop3Wire(port)
    assert wire.status().startswith(b"+OK")
    return wire


def logged_in(port: int) -> Pop3Wire:
    wire = greeted(port)
    wire.send(LOGIN)
    assert wire.status().startswith(b"+OK")
    status = wire.status()
    assert status.startswith(b"+OK jane@example.com has "), status
    return wire


def assert_still_serving(port: int) -> None:
    """A new session logs in and retrieves the message, then quits."""
    wire = logged_in(port)
    wire.send(b"RETR 1\r\n")
    assert wire.status().startswith(b"+OK")
    assert b"..a dot line" in wire.body()
    wire.send(b"QUIT\r\n")
    assert wire.status().startswith(b"+OK")
    assert wire.line() is None
    wire.close()


def unexpected_errors(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records
            if record.levelno >= logging.ERROR and record.name.startswith("mailcore")]


KEYWORDS = ["USER", "PASS", "APOP", "AUTH", "CAPA", "STLS", "STAT", "LIST", "UIDL", "RETR", "TOP",
            "DELE", "RSET", "NOOP", "LAST", "XTND", "user", "Retr", "LIſT"]
ARGUMENTS = [
    "", "1", "2", "0", "-1", "99999999999", "1 0", "1 5", "1 -1", "1 99999999999", "1 x", " 1",
    "1 ", "٣", "１", "+1", "0x1", "1.0", "jane@example.com", "JANE@EXAMPLE.COM", "jane",
    PASSWORD, "PLAIN", "PLAIN =", "PLAIN *", "PLAIN AGphbmVAZXhhbXBsZS5jb20Ad3Jvbmc=",
    "PLAIN !!!", "LOGIN", "CRAM-MD5", "\x00", "\t", "a" * 300,
]


def command_lines():
    keyword_and_argument = st.builds(
        lambda keyword, argument: f"{keyword} {argument}".rstrip(" ").encode(
            "utf-8", "surrogatepass"),
        st.sampled_from(KEYWORDS), st.sampled_from(ARGUMENTS) | st.text(max_size=40))
    long_line = st.builds(lambda keyword, size, filler: keyword.encode() + b" " + filler * size,
                          st.sampled_from(KEYWORDS), st.integers(1000, 12_000),
                          st.sampled_from([b"A", b"\x00", b"\xff", b"\r", b" "]))
    raw = st.binary(max_size=200)
    unicode = st.text(max_size=60).map(lambda text: text.encode("utf-8", "surrogatepass"))
    return st.one_of(keyword_and_argument, keyword_and_argument, long_line, raw, unicode).map(
        lambda line: line.replace(b"\n", b"\r"))


def without_quit(line: bytes) -> bytes:
    """QUIT would apply deletions half-way; the tests quit at the end, after RSET."""
    return re.sub(rb"(?i)quit", b"NOOP", line)


ENDINGS = st.sampled_from([b"\r\n", b"\r\n", b"\n", b"\r\r\n", b"\x00\r\n"])
COMMANDS = st.lists(st.tuples(command_lines(), ENDINGS).map(b"".join).map(without_quit),
                    min_size=1, max_size=8)


def converse(wire: Pop3Wire, lines: list[bytes]) -> None:
    """One command at a time, each status (and body) read before the next is sent."""
    for line in lines:
        assert wire.send(line), f"the server closed the connection before {line!r}"
        status = wire.status()
        assert status is not None, f"no reply to {line!r}"
        if status.startswith(b"+ "):  # an AUTH PLAIN prompt: cancel it
            wire.send(b"*\r\n")
            assert wire.status().startswith(b"-ERR")
        elif status.startswith(b"+OK") and is_multiline(line):
            wire.body()
    wire.send(b"RSET\r\n")  # nothing deleted: the next example finds the same mail
    wire.status()
    wire.send(b"QUIT\r\n")
    assert wire.status().startswith(b"+OK")
    assert wire.line() is None


@pytest.fixture
def pop3(settings, pop3_factory, mail_jane):  # noqa: F811
    settings.HOSTPANEL_AUTH_MAX_FAILURES = 0  # wrong passwords must not lock the fuzzer out
    server = pop3_factory(failure_delay=0.001, max_delay=0.001)
    mail_jane(MESSAGE)
    mail_jane(MESSAGE)
    return server


@FUZZ
@given(log_in=st.booleans(), lines=COMMANDS)
def test_every_command_line_gets_ok_or_err(pop3, caplog, log_in, lines):
    wire = logged_in(pop3.port) if log_in else greeted(pop3.port)
    try:
        converse(wire, lines)
    finally:
        wire.close()
    assert unexpected_errors(caplog) == []
    assert_still_serving(pop3.port)


@FUZZ
@given(log_in=st.booleans(), lines=COMMANDS)
def test_a_pipelined_burst_of_random_commands_is_answered_and_ended(pop3, caplog, log_in, lines):
    wire = greeted(pop3.port)
    try:
        burst = (LOGIN if log_in else b"") + b"".join(lines) + b"\r\nRSET\r\nQUIT\r\n"
        wire.send(burst)
        replies = 0
        while (line := wire.line()) is not None:
            assert not PYTHON_ERROR.search(line), f"a Python error reached the client: {line!r}"
            assert b"internal server error" not in line
            replies += STATUS_LINE.fullmatch(line) is not None
    finally:
        wire.close()
    assert replies >= 2  # the greeting and at least one answer
    assert unexpected_errors(caplog) == []
    assert_still_serving(pop3.port)
