"""poplib against the real POP3 server on 127.0.0.1 (port 0)."""

import base64
import poplib
import socket
import time

import pytest

from hostpanel.domains.services import update_account
from mailcore import directory
from tests.conftest import PASSWORD
from tests.pop3.conftest import jane_maildir, login

FIRST = (b"From: john@example.net\nSubject: first\n\n"
         b"Hello Jane.\n.hidden line\n..two dots\n.\nBye.\n")
SECOND = b"From: ann@example.org\nSubject: second\n\nline 1\nline 2\nline 3\n"


def auth_plain(login_name: str, password: str = PASSWORD, authzid: str = "") -> str:
    return base64.b64encode(f"{authzid}\0{login_name}\0{password}".encode()).decode()


def wait_until_unlocked(pop3, deadline: float = 5.0) -> poplib.POP3:
    """A logged-in client, once the previous session has let go of the maildrop."""
    give_up = time.monotonic() + deadline
    while True:
        client = pop3.client()
        try:
            login(client)
            return client
        except poplib.error_proto as error:
            client.close()
            if b"[IN-USE]" not in error.args[0] or time.monotonic() > give_up:
                raise
            time.sleep(0.05)


@pytest.mark.parametrize("name", ["jane@example.com", "jane%example.com", "JANE@Example.COM"])
def test_it_logs_in_with_user_and_pass(pop3, mail_jane, name):
    mail_jane(FIRST)
    client = pop3.client()
    assert login(client, name).startswith(b"+OK")
    assert client.stat() == (1, len(FIRST) + FIRST.count(b"\n"))
    client.quit()


@pytest.mark.parametrize("name", ["jane@example.com", "jane%example.com"])
def test_it_logs_in_with_auth_plain_and_an_initial_response(pop3, mail_jane, name):
    client = pop3.client()
    assert client._shortcmd(f"AUTH PLAIN {auth_plain(name)}").startswith(b"+OK")
    assert client.stat() == (0, 0)
    client.quit()


def test_it_logs_in_with_auth_plain_and_a_continuation(pop3, mail_jane):
    client = pop3.client()
    client._putcmd("AUTH PLAIN")
    assert client._getline()[0] == b"+ "
    assert client._shortcmd(auth_plain("jane%example.com", authzid="jane@example.com"))
    assert client.stat() == (0, 0)
    client.quit()


def test_a_star_cancels_auth_plain(pop3, mail_jane):
    client = pop3.client()
    client._putcmd("AUTH PLAIN")
    assert client._getline()[0] == b"+ "
    with pytest.raises(poplib.error_proto, match="cancelled"):
        client._shortcmd("*")
    assert login(client).startswith(b"+OK")
    client.quit()


def test_it_refuses_a_wrong_password(pop3, mail_jane):
    client = pop3.client()
    client.user("jane@example.com")
    with pytest.raises(poplib.error_proto, match=r"-ERR \[AUTH\]"):
        client.pass_("wrong password")
    with pytest.raises(poplib.error_proto, match=r"-ERR \[AUTH\]"):
        client._shortcmd(f"AUTH PLAIN {auth_plain('jane@example.com', 'wrong')}")
    with pytest.raises(poplib.error_proto, match=r"-ERR \[AUTH\]"):
        login(client, "nobody@example.com")
    with pytest.raises(poplib.error_proto, match="not valid in the AUTHORIZATION state"):
        client.stat()
    client.quit()


def test_it_lists_and_retrieves_messages_as_stored_with_crlf(pop3, mail_jane):
    first, second = mail_jane(FIRST), mail_jane(SECOND)
    client = pop3.client()
    login(client)
    assert client.stat() == (2, first.crlf_size + second.crlf_size)
    _, listing, _ = client.list()
    assert listing == [f"1 {first.crlf_size}".encode(), f"2 {second.crlf_size}".encode()]
    assert client.list(2) == f"+OK 2 {second.crlf_size}".encode()
    response, lines, octets = client.retr(1)
    assert response == f"+OK {first.crlf_size} octets".encode()
    assert b"\n".join(lines) + b"\n" == FIRST  # '.hidden line' survived dot-stuffing
    assert octets == first.crlf_size
    _, lines, _ = client.top(2, 1)
    assert lines == [b"From: ann@example.org", b"Subject: second", b"", b"line 1"]
    _, lines, _ = client.top(2, 0)
    assert lines == [b"From: ann@example.org", b"Subject: second", b""]
    client.quit()


def test_it_answers_bad_message_numbers_with_an_error(pop3, mail_jane):
    mail_jane(FIRST)
    client = pop3.client()
    login(client)
    for command in ("RETR 2", "RETR 0", "RETR x", "LIST 9", "TOP 1", "DELE -1"):
        with pytest.raises(poplib.error_proto, match="-ERR"):
            client._shortcmd(command)
    with pytest.raises(poplib.error_proto, match="unknown command"):
        client._shortcmd("XYZZY")
    with pytest.raises(poplib.error_proto, match="not valid in the TRANSACTION state"):
        client.user("jane@example.com")
    assert client.stat()[0] == 1
    client.quit()


def test_uidl_is_stable_across_sessions_and_new_mail(pop3, mail_jane):
    first, second = mail_jane(FIRST), mail_jane(SECOND)
    client = pop3.client()
    login(client)
    _, before, _ = client.uidl()
    assert before == [f"1 {first.uid}".encode(), f"2 {second.uid}".encode()]
    assert client.uidl(2) == f"+OK 2 {second.uid}".encode()
    client.quit()
    third = mail_jane(b"Subject: third\n\nnew\n")
    client = wait_until_unlocked(pop3)
    _, after, _ = client.uidl()
    assert after == before + [f"3 {third.uid}".encode()]
    client.quit()


def test_dele_and_quit_remove_the_message_from_disk(pop3, mail_jane):
    first, second = mail_jane(FIRST), mail_jane(SECOND)
    client = pop3.client()
    login(client)
    client.dele(1)
    with pytest.raises(poplib.error_proto, match="already deleted"):
        client.retr(1)
    assert client.stat() == (1, second.crlf_size)
    assert b"1 messages left" in client.quit()
    assert [m.uid for m in jane_maildir().messages()] == [second.uid]
    assert first.uid not in str(list(jane_maildir().path.rglob("*")))


def test_rset_undoes_dele(pop3, mail_jane):
    mail_jane(FIRST), mail_jane(SECOND)
    client = pop3.client()
    login(client)
    client.dele(1)
    client.dele(2)
    client.rset()
    client.quit()
    assert len(jane_maildir().messages()) == 2


def test_a_dropped_connection_deletes_nothing(pop3, mail_jane):
    mail_jane(FIRST)
    client = pop3.client()
    login(client)
    client.dele(1)
    client.sock.shutdown(socket.SHUT_RDWR)
    client.close()
    assert len(jane_maildir().messages()) == 1
    client = wait_until_unlocked(pop3)
    assert client.stat()[0] == 1
    client.quit()


def test_a_second_session_is_refused_until_the_first_quits(pop3, mail_jane):
    mail_jane(FIRST)
    first = pop3.client()
    login(first)
    second = pop3.client()
    with pytest.raises(poplib.error_proto, match=r"-ERR \[IN-USE\]"):
        login(second)
    with pytest.raises(poplib.error_proto, match=r"-ERR \[IN-USE\]"):
        second._shortcmd(f"AUTH PLAIN {auth_plain('jane%example.com')}")
    first.quit()
    assert login(second).startswith(b"+OK")  # still in AUTHORIZATION: may try again
    assert second.stat()[0] == 1
    second.quit()


def test_a_vanished_message_gets_an_error_not_a_crash(pop3, mail_jane):
    stored = mail_jane(FIRST)
    mail_jane(SECOND)
    client = pop3.client()
    login(client)
    jane_maildir().remove([m for m in jane_maildir().messages() if m.uid == stored.uid])
    with pytest.raises(poplib.error_proto, match="no longer available"):
        client.retr(1)
    assert client.retr(2)[0].startswith(b"+OK")
    client.quit()


def test_a_message_renamed_by_another_reader_is_still_retrieved(pop3, mail_jane):
    stored = mail_jane(FIRST)
    client = pop3.client()
    login(client)
    [current] = jane_maildir().messages()
    current.path.rename(current.path.with_name(current.path.name + "S"))  # flagged Seen
    _, lines, _ = client.retr(1)
    assert b"\n".join(lines) + b"\n" == FIRST
    client.dele(1)
    client.quit()
    assert jane_maildir().messages() == []
    assert stored.uid


def test_a_very_long_line_gets_an_error_and_the_session_goes_on(pop3, mail_jane):
    client = pop3.client()
    with pytest.raises(poplib.error_proto, match="line too long"):
        client._shortcmd("USER " + "x" * 10_000)
    assert login(client).startswith(b"+OK")
    with pytest.raises(poplib.error_proto, match="line too long"):
        client._shortcmd("NOOP " + "y" * 10_000)
    assert client.noop().startswith(b"+OK")
    client.quit()


def test_capa_lists_what_the_server_does(pop3, mail_jane):
    client = pop3.client()
    capabilities = client.capa()
    assert {"TOP", "USER", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"} <= set(
        capabilities
    )
    assert capabilities["SASL"] == ["PLAIN"]
    assert capabilities["IMPLEMENTATION"] == ["hostpanel"]
    assert "STLS" not in capabilities  # no certificate configured
    with pytest.raises(poplib.error_proto, match="not available"):
        client._shortcmd("STLS")
    client.quit()


def test_an_idle_session_is_closed_and_deletes_nothing(settings, pop3_factory, mail_jane):
    settings.HOSTPANEL_POP3_TIMEOUT = 1
    pop3 = pop3_factory()
    mail_jane(FIRST)
    client = pop3.client()
    login(client)
    client.dele(1)
    time.sleep(1.5)
    assert client._getline()[0] == b"-ERR idle timeout, closing the connection"
    client.close()
    client = wait_until_unlocked(pop3)
    assert client.stat()[0] == 1
    client.quit()


# Passwords: the verified-credentials cache and the failure throttle.


def test_a_repeated_login_does_not_check_the_hash_again(pop3, mail_jane, monkeypatch):
    calls = []
    real_check = directory.check_password

    def counting_check(password, password_hash):
        calls.append(password)
        return real_check(password, password_hash)

    monkeypatch.setattr(directory, "check_password", counting_check)
    for _ in range(3):
        client = wait_until_unlocked(pop3)
        client.quit()
    assert len(calls) == 1


def test_a_password_change_makes_the_old_password_fail_at_once(pop3, mail_jane):
    client = pop3.client()
    login(client)  # now in the cache
    client.quit()
    update_account(mail_jane.account, password="a-brand-new-secret")
    client = pop3.client()
    with pytest.raises(poplib.error_proto, match=r"-ERR \[AUTH\]"):
        login(client)
    assert login(client, password="a-brand-new-secret").startswith(b"+OK")
    client.quit()


def test_repeated_failures_refuse_that_address_but_not_others(settings, pop3_factory, mail_jane):
    settings.HOSTPANEL_AUTH_MAX_FAILURES = 3
    settings.HOSTPANEL_AUTH_FAILURE_WINDOW = 60
    pop3 = pop3_factory()
    client = pop3.client()
    for _ in range(3):
        with pytest.raises(poplib.error_proto, match=r"\[AUTH\]"):
            login(client, password="guess")
    with pytest.raises(poplib.error_proto, match=r"\[SYS/TEMP\] too many failed logins"):
        login(client)  # the right password, from the same address
    client.quit()
    other = pop3.client(source="127.0.0.2")
    assert login(other).startswith(b"+OK")
    other.quit()
    client = pop3.client()
    with pytest.raises(poplib.error_proto, match=r"too many failed logins"):
        login(client)  # the other address's success reset nothing
    client.quit()
