"""Messages built to hurt the filter: the server answers, delivers and keeps serving others."""

import time

import pytest

from tests.routing.helpers import inbox
from tests.smtp.helpers import DELIVERED, MESSAGE_TOO_BIG, connect, send

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def server(start_smtp, jane):
    return start_smtp()


def many_parts(count: int) -> bytes:
    parts = "".join(f"--b\r\nContent-Type: text/plain\r\n\r\npart {n}\r\n" for n in range(count))
    return (f"From: <bob@remote.test>\r\nTo: <jane@example.com>\r\nSubject: parts\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            f"{parts}--b--\r\n").encode()


def nested(depth: int) -> bytes:
    head = "".join(f"Content-Type: multipart/mixed; boundary=n{n}\r\n\r\n--n{n}\r\n"
                   for n in range(depth))
    return (f"From: <bob@remote.test>\r\nTo: <jane@example.com>\r\nSubject: deep\r\n"
            f"MIME-Version: 1.0\r\n{head}Content-Type: text/plain\r\n\r\nbottom\r\n").encode()


MALFORMED = [
    # multipart without a boundary parameter
    b"From: <bob@remote.test>\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed\r\n\r\n--\r\nhello\r\n",
    # base64 that is not base64, in an unknown charset
    b"From: <bob@remote.test>\r\nSubject: =?x-unknown?B?!!!?=\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=x-unknown\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"%%%% not base64 ####\r\n",
    # NUL bytes, bare CR, 8-bit garbage and a header without a colon
    b"From: <bob@remote.test>\r\nthis is not a header\r\nSubject: \x00\xff\xfe\r\n\r\n"
    b"body\x00with\rnul\xff\r\n",
    # no header section at all
    b"\r\njust a body\r\n",
]


def test_a_10000_part_message_is_delivered_without_stalling_the_server(server):
    started = time.monotonic()
    assert send(server, many_parts(10_000))[-1] == DELIVERED
    assert time.monotonic() - started < 60
    assert len(inbox("jane@example.com")) == 1


def test_deeply_nested_multiparts_are_delivered(server):
    assert send(server, nested(500))[-1] == DELIVERED
    assert len(inbox("jane@example.com")) == 1


@pytest.mark.parametrize("data", MALFORMED)
def test_malformed_mime_is_delivered_with_a_score(server, data):
    assert send(server, data)[-1] == DELIVERED
    [stored] = inbox("jane@example.com")
    assert b"\nX-Spam-Status: " in stored


def test_a_50_mb_message_is_refused_and_the_server_keeps_serving(server):
    chunk = b"x" * 998 + b"\r\n"
    data = b"From: <bob@remote.test>\r\nSubject: big\r\n\r\n" + chunk * (50 * 1024 * 1024 // 1000)
    with connect(server) as client:
        client.mail("bob@remote.test")
        client.rcpt("jane@example.com")
        code, text = client.data(data)
    assert (code, text.decode()[:5]) == MESSAGE_TOO_BIG
    assert send(server, b"From: <bob@remote.test>\r\nSubject: small\r\n\r\nhi\r\n")[-1] \
        == DELIVERED
    assert len(inbox("jane@example.com")) == 1
