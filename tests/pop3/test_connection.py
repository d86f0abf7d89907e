"""The connection around the session, with a raw socket: how lines are framed, replies
to pipelined commands, the end of input, and stopping the server."""

import logging
import socket
import time

import pytest

from mailcore.pop3.maildrop import Maildrop
from mailcore.pop3.server import MAX_DISCARD, MAX_LINE
from tests.conftest import PASSWORD
from tests.pop3.conftest import CLIENT_TIMEOUT, jane_maildir, login

LOGIN = f"USER jane@example.com\r\nPASS {PASSWORD}\r\n".encode()
MESSAGE = b"From: john@example.net\nSubject: hello\n\n.a dot line\nbody\n"


class Raw:
    """Bytes out, CRLF lines in."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), CLIENT_TIMEOUT)
        self.file = self.sock.makefile("rb")
        assert self.line().startswith(b"+OK")

    def line(self) -> bytes | None:
        """The next line, or None once the server has closed the connection (with a
        reset when it closes on input it has not read, as after an endless line)."""
        try:
            line = self.file.readline()
        except ConnectionResetError:
            return None
        if not line:
            return None
        assert line.endswith(b"\r\n"), line
        return line[:-2]

    def body(self) -> list[bytes]:
        lines = []
        while (line := self.line()) != b".":
            assert line is not None
            lines.append(line)
        return lines

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@pytest.fixture
def raw(pop3):
    clients = []

    def connect() -> Raw:
        clients.append(Raw(pop3.port))
        return clients[-1]

    yield connect
    for client in clients:
        client.close()


def test_pipelined_commands_are_answered_in_order(raw, mail_jane):
    mail_jane(MESSAGE)
    mail_jane(MESSAGE.replace(b"hello", b"again"))
    client = raw()
    client.sock.sendall(LOGIN + b"STAT\r\nRETR 2\r\nNOOP\r\nRETR 1\r\nLIST\r\nRSET\r\n")
    assert client.line() == b"+OK send PASS"
    assert client.line().startswith(b"+OK jane@example.com has 2 messages")
    assert client.line().startswith(b"+OK 2 ")
    assert client.line().startswith(b"+OK ")
    assert b"Subject: again" in client.body()
    assert client.line() == b"+OK"
    assert client.line().startswith(b"+OK ")
    assert client.body()[3] == b"..a dot line"
    assert client.line().startswith(b"+OK 2 messages")
    assert len(client.body()) == 2
    assert client.line().startswith(b"+OK maildrop has 2 messages")


def test_commands_sent_before_the_client_half_closes_are_all_carried_out(raw, mail_jane):
    mail_jane(MESSAGE)
    client = raw()
    client.sock.sendall(LOGIN + b"DELE 1\r\nQUIT\r\n")
    client.sock.shutdown(socket.SHUT_WR)
    replies = [client.line() for _ in range(4)]
    assert replies[2] == b"+OK message 1 deleted"
    assert replies[3].endswith(b"signing off (0 messages left)")
    assert client.line() is None
    assert jane_maildir().messages() == []


def test_an_unfinished_command_at_the_end_of_input_is_dropped(raw, mail_jane):
    mail_jane(MESSAGE)
    client = raw()
    client.sock.sendall(LOGIN + b"DELE 1\r\nQUI")
    client.sock.shutdown(socket.SHUT_WR)
    assert [client.line()[:3] for _ in range(3)] == [b"+OK"] * 3
    assert client.line() is None
    assert len(jane_maildir().messages()) == 1


def test_a_line_of_the_longest_length_is_a_command_and_one_octet_more_is_not(raw, mail_jane):
    client = raw()
    longest = b"USER " + b"x" * (MAX_LINE - len("USER ") - 1) + b"\r\n"  # MAX_LINE before LF
    client.sock.sendall(longest)
    assert client.line() == b"+OK send PASS"
    client.sock.sendall(longest.replace(b"USER ", b"USER y") + LOGIN)
    assert client.line() == b"-ERR line too long"
    assert client.line() == b"+OK send PASS"
    assert client.line().startswith(b"+OK jane@example.com has 0 messages")


def test_a_too_long_line_sent_in_pieces_is_skipped_to_its_end(raw, mail_jane):
    client = raw()
    for _ in range(20):
        client.sock.sendall(b"x" * 1000)
    client.sock.sendall(b"still the same line\r\nCAPA\r\n")
    assert client.line() == b"-ERR line too long"
    assert client.line().startswith(b"+OK")
    assert b"PIPELINING" in client.body()


def test_an_endless_line_gets_an_error_and_the_connection_is_closed(raw, mail_jane):
    mail_jane(MESSAGE)
    client = raw()
    client.sock.sendall(LOGIN + b"DELE 1\r\n")
    assert [client.line()[:3] for _ in range(3)] == [b"+OK"] * 3
    try:
        client.sock.sendall(b"x" * (MAX_DISCARD + 4 * MAX_LINE))
    except (BrokenPipeError, ConnectionResetError):
        pass  # closed before all was sent
    assert client.line() == b"-ERR line too long"
    assert client.line() is None
    assert len(jane_maildir().messages()) == 1


def test_replies_wait_for_a_client_that_reads_late_and_then_all_arrive(raw, mail_jane):
    mail_jane(b"From: ann@example.org\nSubject: big\n\n" + (b"z" * 76 + b"\n") * 5000)
    client = raw()
    client.sock.sendall(LOGIN + b"RETR 1\r\n" * 20 + b"QUIT\r\n")  # 8 MB of replies
    time.sleep(0.5)  # reads nothing meanwhile: the server waits to send
    assert [client.line()[:3] for _ in range(2)] == [b"+OK"] * 2
    for _ in range(20):
        assert client.line().startswith(b"+OK")
        assert len(client.body()) == 5003
    assert client.line().startswith(b"+OK")
    assert client.line() is None


def test_stopping_the_server_ends_every_session_and_deletes_nothing(pop3, raw, mail_jane,
                                                                     caplog):
    mail_jane(MESSAGE)
    busy, idle = raw(), raw()
    busy.sock.sendall(LOGIN + b"DELE 1\r\n")
    assert [busy.line()[:3] for _ in range(3)] == [b"+OK"] * 3
    with caplog.at_level(logging.INFO, logger="mailcore.pop3.server"):
        pop3.loop.call_soon_threadsafe(pop3.server.close)
        assert busy.line() is None
        assert idle.line() is None
        sessions = logged_sessions(caplog, 2)
    assert all("outcome=server stopped" in text for text in sessions)
    assert len(jane_maildir().messages()) == 1
    Maildrop.open(jane_maildir().path).close()  # not locked any more


def test_a_session_ended_by_the_client_is_logged_once_with_what_it_did(pop3, mail_jane, caplog):
    mail_jane(MESSAGE)
    with caplog.at_level(logging.INFO, logger="mailcore.pop3.server"):
        client = pop3.client()
        login(client)
        client.retr(1)
        client.dele(1)
        client.quit()
        Raw(pop3.port).close()
        client = pop3.client()
        client.quit()
        sessions = logged_sessions(caplog, 3)
    assert "retrieved=1 deleted=1 outcome=quit" in sessions[0]
    assert sorted("outcome=dropped" in text for text in sessions[1:]) == [False, True]
    assert any("login=- " in text and "outcome=quit" in text for text in sessions[1:])


def logged_sessions(caplog, count: int) -> list[str]:
    """The session log lines, once there are ``count`` (the last one may come a moment
    after the client has gone)."""
    give_up = time.monotonic() + CLIENT_TIMEOUT
    while True:
        lines = [r.getMessage() for r in caplog.records
                 if r.getMessage().startswith("pop3 session")]
        if len(lines) >= count or time.monotonic() > give_up:
            assert len(lines) == count, lines
            return lines
        time.sleep(0.01)
