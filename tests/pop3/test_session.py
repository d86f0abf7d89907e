"""The POP3 state machine on its own: command lines in, replies out, no sockets."""

import asyncio
import base64
from pathlib import Path

import pytest

from mailcore.addresses import parse_login
from mailcore.auth import TooManyFailures
from mailcore.directory import Mailbox
from mailcore.maildir import StoredMessage
from mailcore.pop3.maildrop import MaildropLocked
from mailcore.pop3.session import AUTHORIZATION, TRANSACTION, UPDATE, Reply, Session, pop3_uid

JANE = Mailbox(account_id=1, address="jane@example.com", domain="example.com",
               maildir=Path("/nonexistent"), quota_bytes=0)
PASSWORD = "s3cret"
MESSAGES = {
    "1.M1P1Q1.host,S=17,W=20": b"Subject: a\n\n.dot\n",
    "2.M1P1Q2.host,S=26,W=30": b"Subject: b\n\nline 1\nline 2\n",
}


class FakeMaildrop:
    def __init__(self, contents: dict[str, bytes]):
        self.contents = dict(contents)
        self.messages = [
            StoredMessage(uid, Path(uid), len(data), len(data) + data.count(b"\n"))
            for uid, data in contents.items()
        ]
        self.removed: list[str] = []
        self.closed = False

    def read(self, message):
        if message.uid not in self.contents:
            raise FileNotFoundError(message.uid)
        return self.contents[message.uid]

    def remove(self, messages):
        self.removed += [m.uid for m in messages]
        return len(messages)

    def close(self):
        self.closed = True


def make_session(client_ip="192.0.2.10", locked=False, auth_error=None, **options):
    maildrop = FakeMaildrop(MESSAGES)

    async def authenticate(login, password, ip):
        if auth_error:
            raise auth_error
        if parse_login(login) == ("jane", "example.com") and password == PASSWORD:
            return JANE
        return None

    async def open_maildrop(mailbox):
        if locked:
            raise MaildropLocked(str(mailbox.maildir))
        return maildrop

    session = Session(authenticate=authenticate, open_maildrop=open_maildrop,
                      hostname="pop.example.com", client_ip=client_ip, **options)
    session.maildrop = maildrop
    return session


def say(session, *lines: str):
    """Feed lines to the session; the replies (Reply objects) in order."""

    async def run():
        return [await session.handle(line.encode() + b"\r\n") for line in lines]

    return asyncio.run(run())


def texts(session, *lines: str) -> list[str]:
    return [reply.data.decode() for reply in say(session, *lines)]


def plain(login="jane@example.com", password=PASSWORD, authzid="") -> str:
    return base64.b64encode(f"{authzid}\0{login}\0{password}".encode()).decode()


def logged_in(**options):
    session = make_session(**options)
    assert texts(session, "USER jane@example.com", "PASS s3cret")[1].startswith("+OK")
    return session


def test_it_greets_with_its_host_name():
    assert make_session().greeting() == b"+OK pop.example.com POP3 server ready\r\n"


def test_user_and_pass_open_the_maildrop():
    session = make_session()
    assert texts(session, "user jane%example.com", "pass s3cret") == [
        "+OK send PASS\r\n",
        "+OK jane@example.com has 2 messages (50 octets)\r\n",
    ]
    assert session.state == TRANSACTION
    assert session.stats.login == "jane@example.com"


def test_pass_without_user_is_refused():
    assert texts(make_session(), "PASS s3cret") == ["-ERR send USER first\r\n"]


def test_the_password_is_the_rest_of_the_line_spaces_included():
    session = make_session()
    replies = texts(session, "USER jane@example.com", "PASS s3cret ", "USER jane@example.com",
                    "PASS s3cret")
    assert replies[1] == "-ERR [AUTH] invalid login or password\r\n"
    assert replies[3].startswith("+OK")


def test_a_wrong_password_leaves_the_session_in_authorization():
    session = make_session()
    assert texts(session, "USER jane@example.com", "PASS nope", "STAT")[1:] == [
        "-ERR [AUTH] invalid login or password\r\n",
        "-ERR STAT is not valid in the AUTHORIZATION state\r\n",
    ]
    assert session.state == AUTHORIZATION


def test_auth_plain_takes_an_initial_response():
    session = make_session()
    assert texts(session, f"AUTH PLAIN {plain('jane%example.com')}")[0].startswith("+OK jane@")
    assert session.state == TRANSACTION


def test_auth_plain_asks_for_the_response_when_none_was_given():
    session = make_session()
    assert texts(session, "AUTH PLAIN", plain(authzid="JANE@example.com")) == [
        "+ \r\n", "+OK jane@example.com has 2 messages (50 octets)\r\n"]


def test_a_star_cancels_auth_plain_and_the_next_line_is_a_command():
    session = make_session()
    assert texts(session, "AUTH PLAIN", "*", "CAPA")[1] == "-ERR authentication cancelled\r\n"
    assert session._sasl_pending is False


@pytest.mark.parametrize("response, error", [
    ("not base64!", "-ERR [AUTH] invalid base64 in the PLAIN response"),
    ("=", "-ERR [AUTH] a PLAIN response is authzid NUL login NUL password"),
    (base64.b64encode(b"jane@example.com\0s3cret").decode(),
     "-ERR [AUTH] a PLAIN response is authzid NUL login NUL password"),
    (plain(authzid="john@example.com"), "-ERR [AUTH] logging in as another user is not allowed"),
    (plain(password="wrong"), "-ERR [AUTH] invalid login or password"),
])
def test_auth_plain_refuses_bad_responses(response, error):
    session = make_session()
    assert texts(session, f"AUTH PLAIN {response}") == [error + "\r\n"]
    assert session.state == AUTHORIZATION


def test_auth_lists_its_mechanisms_and_refuses_others():
    assert texts(make_session(), "AUTH", "AUTH CRAM-MD5") == [
        "+OK SASL mechanisms follow\r\nPLAIN\r\n.\r\n",
        "-ERR unsupported SASL mechanism CRAM-MD5\r\n",
    ]


def test_a_locked_maildrop_is_in_use_and_login_may_be_retried():
    session = make_session(locked=True)
    assert texts(session, "USER jane@example.com", "PASS s3cret")[1] == (
        "-ERR [IN-USE] maildrop already locked by another session\r\n")
    assert session.state == AUTHORIZATION
    assert texts(session, "PASS s3cret") == ["-ERR send USER first\r\n"]


def test_a_throttled_client_is_told_to_come_back_later():
    session = make_session(auth_error=TooManyFailures("192.0.2.10"))
    assert texts(session, f"AUTH PLAIN {plain()}") == [
        "-ERR [SYS/TEMP] too many failed logins, try later\r\n"]


def test_an_unexpected_error_becomes_an_err_reply():
    session = make_session(auth_error=RuntimeError("database on fire"))
    assert texts(session, f"AUTH PLAIN {plain()}", "QUIT") == [
        "-ERR [SYS/TEMP] internal server error\r\n",
        "+OK pop.example.com POP3 server signing off\r\n",
    ]


def test_unknown_commands_and_commands_of_the_other_state_are_refused():
    session = logged_in()
    assert texts(session, "XTND", "", "USER jane@example.com", "AUTH PLAIN") == [
        "-ERR unknown command\r\n",
        "-ERR unknown command\r\n",
        "-ERR USER is not valid in the TRANSACTION state\r\n",
        "-ERR AUTH is not valid in the TRANSACTION state\r\n",
    ]


def test_stat_list_and_uidl_describe_the_snapshot():
    session = logged_in()
    assert texts(session, "STAT", "LIST", "LIST 2", "UIDL", "UIDL 1", "LIST 3", "LIST one") == [
        "+OK 2 50\r\n",
        "+OK 2 messages (50 octets)\r\n1 20\r\n2 30\r\n.\r\n",
        "+OK 2 30\r\n",
        "+OK unique-id listing follows\r\n1 1.M1P1Q1.host,S=17,W=20\r\n"
        "2 2.M1P1Q2.host,S=26,W=30\r\n.\r\n",
        "+OK 1 1.M1P1Q1.host,S=17,W=20\r\n",
        "-ERR no message 3\r\n",
        "-ERR a message number is required\r\n",
    ]


def test_retr_and_top_send_crlf_and_dot_stuffed_text():
    session = logged_in()
    assert texts(session, "RETR 1", "TOP 2 1", "TOP 2") == [
        "+OK 20 octets\r\nSubject: a\r\n\r\n..dot\r\n.\r\n",
        "+OK 30 octets\r\nSubject: b\r\n\r\nline 1\r\n.\r\n",
        "-ERR TOP needs a message number and a number of lines\r\n",
    ]
    assert session.stats.retrieved == 1


def test_a_message_gone_from_disk_is_an_error_and_the_session_goes_on():
    session = logged_in()
    del session.maildrop.contents["1.M1P1Q1.host,S=17,W=20"]
    assert texts(session, "RETR 1", "NOOP") == [
        "-ERR message 1 is no longer available\r\n", "+OK\r\n"]


def test_dele_hides_a_message_until_rset():
    session = logged_in()
    assert texts(session, "DELE 1", "DELE 1", "STAT", "LIST", "RETR 1", "RSET", "STAT") == [
        "+OK message 1 deleted\r\n",
        "-ERR message 1 already deleted\r\n",
        "+OK 1 30\r\n",
        "+OK 1 messages (30 octets)\r\n2 30\r\n.\r\n",
        "-ERR message 1 already deleted\r\n",
        "+OK maildrop has 2 messages (50 octets)\r\n",
        "+OK 2 50\r\n",
    ]


def test_quit_removes_what_was_deleted_and_releases_the_maildrop():
    session = logged_in()
    *_, quit_reply = say(session, "DELE 2", "QUIT")
    assert quit_reply.data == b"+OK pop.example.com POP3 server signing off (1 messages left)\r\n"
    assert quit_reply.close
    assert session.state == UPDATE
    assert session.maildrop.removed == ["2.M1P1Q2.host,S=26,W=30"]
    assert session.maildrop.closed
    assert (session.stats.deleted, session.stats.outcome) == (1, "quit")


def test_a_session_that_ends_without_quit_deletes_nothing():
    session = logged_in()
    say(session, "DELE 1", "DELE 2")
    session.abort()
    assert session.maildrop.removed == []
    assert session.maildrop.closed


def test_quit_before_login_just_says_goodbye():
    [reply] = say(make_session(), "QUIT")
    assert reply.close and reply.data.startswith(b"+OK")


def test_capa_depends_on_state_and_tls():
    session = make_session(tls_available=True)
    assert texts(session, "CAPA") == [
        "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
        "PIPELINING\r\nSASL PLAIN\r\nSTLS\r\nIMPLEMENTATION hostpanel\r\n.\r\n"]
    [reply] = say(session, "STLS")
    assert reply.start_tls and reply.data == b"+OK Begin TLS negotiation\r\n"
    session.tls_started()
    assert "STLS" not in texts(session, "CAPA")[0]
    assert texts(session, "STLS") == ["-ERR TLS is already active\r\n"]
    texts(session, "USER jane@example.com", "PASS s3cret")
    assert texts(session, "CAPA") == [
        "+OK Capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
        "PIPELINING\r\nIMPLEMENTATION hostpanel\r\n.\r\n"]


def test_stls_is_refused_without_a_certificate():
    assert texts(make_session(tls_available=False), "STLS") == [
        "-ERR STLS is not available here\r\n"]


def test_tls_required_hides_and_refuses_plain_text_logins_before_stls():
    session = make_session(tls_available=True, require_tls=True)
    capabilities = texts(session, "CAPA")[0]
    assert "USER" not in capabilities and "SASL" not in capabilities and "STLS" in capabilities
    refusal = "-ERR [AUTH] log in only after STLS (TLS is required here)\r\n"
    assert texts(session, "USER jane@example.com", f"AUTH PLAIN {plain()}") == [refusal, refusal]
    session.tls_started()
    assert texts(session, f"AUTH PLAIN {plain()}")[0].startswith("+OK")


def test_tls_required_still_lets_loopback_clients_log_in():
    session = make_session(client_ip="127.0.0.1", require_tls=True)
    assert texts(session, "USER jane@example.com", "PASS s3cret")[1].startswith("+OK")


def test_a_too_long_line_ends_a_pending_auth():
    session = make_session()
    say(session, "AUTH PLAIN")
    assert session.line_too_long().data == b"-ERR line too long\r\n"
    assert texts(session, "NOOP") == ["-ERR NOOP is not valid in the AUTHORIZATION state\r\n"]


def test_unique_ids_too_long_for_pop3_become_a_stable_digest():
    long_name = "1700000000.M1P1Q1." + "h" * 80 + ",S=1,W=1"
    assert pop3_uid(long_name) == pop3_uid(long_name)
    assert len(pop3_uid(long_name)) == 64
    assert pop3_uid("1.M1P1Q1.host,S=1,W=1") == "1.M1P1Q1.host,S=1,W=1"


def test_commands_without_disk_or_password_work_are_answered_at_once():
    session = make_session()
    assert isinstance(session.respond(b"CAPA\r\n"), Reply)
    assert isinstance(session.respond(b"USER jane@example.com\r\n"), Reply)
    pending = session.respond(b"PASS s3cret\r\n")  # the password check: to be awaited
    assert not isinstance(pending, Reply)

    async def run():
        assert (await pending).data.startswith(b"+OK jane@example.com has 2 messages")
        reading = session.respond(b"RETR 1\r\n")  # from disk, with the messages after it
        assert not isinstance(reading, Reply)
        assert (await reading).data.startswith(b"+OK 20 octets")
        assert isinstance(session.respond(b"DELE 1\r\n"), Reply)
        read_ahead = session.respond(b"RETR 2\r\n")
        assert isinstance(read_ahead, Reply)
        assert read_ahead.data == b"+OK 30 octets\r\nSubject: b\r\n\r\nline 1\r\nline 2\r\n.\r\n"

    asyncio.run(run())


def test_a_login_cancelled_before_it_runs_leaves_the_session_as_it_was():
    session = make_session()
    session.respond(b"USER jane@example.com\r\n")
    session.respond(b"PASS s3cret\r\n").close()
    assert session.state == AUTHORIZATION
    assert texts(session, "STAT") == ["-ERR STAT is not valid in the AUTHORIZATION state\r\n"]


def test_quit_cancelled_during_the_removal_releases_the_maildrop():
    session = logged_in()
    say(session, "DELE 1")
    quitting = session.respond(b"QUIT\r\n")

    async def run():
        task = asyncio.ensure_future(quitting)
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert session.maildrop.closed
