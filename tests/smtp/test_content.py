"""What arrives is what was sent: SMTPUTF8 headers, 8-bit bodies, dot-stuffing."""

from mailcore.maildir import to_lf
from tests.smtp.helpers import DELIVERED, connect, reply_code, stored_messages, strip_received


def test_a_smtputf8_message_with_utf8_headers_arrives_intact(smtp_server, jane_maildir):
    original = (
        "From: Jörg Müller <jörg@exämple.org>\r\n"
        "To: Jane <jane@example.com>\r\n"
        "Subject: Grüße aus Köln ✉ 你好\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        "Schöne Grüße, Jörg\r\n"
    ).encode()
    with connect(smtp_server) as client:
        assert client.has_extn("smtputf8")
        refused = client.sendmail("jörg@exämple.org", ["jane@example.com"], original,
                                  mail_options=["SMTPUTF8", "BODY=8BITMIME"])
    assert refused == {}
    [stored] = stored_messages(jane_maildir)
    received, rest = strip_received(stored)
    assert rest == to_lf(original)
    assert b" with UTF8SMTP id " in received


def test_an_8bit_body_arrives_byte_for_byte(smtp_server, jane_maildir):
    body = (
        b"caf\xc3\xa9 au lait\r\n"
        b"latin-1 \xe9\xe8\xff and raw \x80\x81\x9f bytes\r\n"
        b".a line that starts with a dot\r\n"
        b"..and one with two\r\n"
        b"\x00 nul\ttab\r\n"
    )
    original = b"From: a@remote.test\r\nTo: jane@example.com\r\nSubject: 8bit\r\n\r\n" + body
    with connect(smtp_server) as client:
        assert client.has_extn("8bitmime")
        client.mail("a@remote.test", ["BODY=8BITMIME"])
        client.rcpt("jane@example.com")
        assert reply_code(client.data(original)) == DELIVERED
    [stored] = stored_messages(jane_maildir)
    assert strip_received(stored)[1] == to_lf(original)
