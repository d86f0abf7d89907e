"""Fetching a whole maildrop the way clients do: RETR in order, DELE, QUIT (poplib)."""

from tests.pop3.conftest import jane_maildir, login


def message(number: int, body_lines: int = 3) -> bytes:
    body = "".join(f"line {line} of message {number}\n" for line in range(body_lines))
    return f"From: john@example.net\nSubject: message {number}\n\n.{number}\n{body}".encode()


def test_a_long_maildrop_is_retrieved_in_order_each_message_with_its_own_text(pop3, mail_jane):
    sent = [message(number) for number in range(1, 81)]
    sent[39] = message(40, body_lines=4000)  # about 100 KB, between small ones
    for data in sent:
        mail_jane(data)
    client = pop3.client()
    login(client)
    assert client.dele(3).startswith(b"+OK")
    assert client.dele(41).startswith(b"+OK")
    for number, data in enumerate(sent, 1):
        if number in (3, 41):
            continue
        assert b"\n".join(client.retr(number)[1]) + b"\n" == data
    assert client.top(42, 0)[1][-1] == b""
    assert client.quit().startswith(b"+OK")
    assert len(jane_maildir().messages()) == 78
