"""Hostile MIME through the spam parser, the web mail renderer and the SMTP path.

Hand-made monsters (deep nesting, thousands of parts, bad boundaries, charsets,
base64 and quoted-printable, huge headers, NUL bytes) and messages built at random
by hypothesis: nothing raises, nothing falls back to "parse failed", and the SMTP
server delivers them. Inputs are bounded; the time is bounded by pytest-timeout.
"""

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostpanel.webmail import render
from mailcore.filters.spam.message import parse
from tests.routing.helpers import inbox
from tests.smtp.conftest import start_smtp  # noqa: F401 (a fixture)
from tests.smtp.helpers import DELIVERED, send

pytestmark = pytest.mark.timeout(100)


def part_url(index: int) -> str:
    return f"/webmail/part/{index}"


def read_everywhere(raw: bytes) -> None:
    """What the server and the web mail do with a message; fails on any exception."""
    parsed = parse(raw)
    # Only nesting deeper than Python's stack may make it fall back to the raw text.
    assert not [defect for defect in parsed.defects if defect.startswith("ParseFailed")
                and defect != "ParseFailed:RecursionError"], parsed.defects
    shown = render.render(raw, part_url, remote_images=True)
    assert isinstance(render.plain_text(raw), str)
    for part in shown.attachments[:3]:
        data, filename, content_type = render.part_data(raw, part.index)
        assert "/" not in filename and "\x00" not in filename
        assert isinstance(data, bytes) and content_type
    assert render.part_data(raw, 10**9) is None


HEAD = b"From: <bob@remote.test>\r\nTo: <jane@example.com>\r\nMIME-Version: 1.0\r\n"


def nested(depth: int) -> bytes:
    head = b"".join(b"Content-Type: multipart/mixed; boundary=n%d\r\n\r\n--n%d\r\n" % (n, n)
                    for n in range(depth))
    return HEAD + b"Subject: deep\r\n" + head + b"Content-Type: text/html\r\n\r\n<p>bottom\r\n"


def many_parts(count: int, part: bytes) -> bytes:
    return (HEAD + b"Subject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            + b"".join(b"--b\r\n" + part + b"\r\n" for _ in range(count)) + b"--b--\r\n")


def single(headers: bytes, body: bytes) -> bytes:
    return HEAD + b"Subject: x\r\n" + headers + b"\r\n" + body


ATTACHMENT = (b"Content-Type: application/pdf; name=\"../../etc/passwd\"\r\n"
              b"Content-Disposition: attachment; filename*=utf-8''%00%2F..%2F%FF.pdf\r\n"
              b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=")

HOSTILE = {
    "nested-500": nested(500),
    "nested-3000": nested(3000),
    "10000-parts": many_parts(10_000, b"Content-Type: text/plain\r\n\r\npart"),
    "2000-attachments": many_parts(2000, ATTACHMENT),
    "no-boundary": single(b"Content-Type: multipart/mixed\r\n", b"--\r\nhello\r\n--\r\n"),
    "empty-boundary": single(b"Content-Type: multipart/mixed; boundary=\"\"\r\n",
                             b"--\r\n\r\nx\r\n----\r\n"),
    "boundary-never-used": single(b"Content-Type: multipart/alternative; boundary=zz\r\n",
                                  b"just text\r\n"),
    "boundary-in-boundary": single(
        b"Content-Type: multipart/mixed; boundary=a\r\n",
        b"--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n--a--\r\n--a--\r\n"),
    "huge-boundary": single(b"Content-Type: multipart/mixed; boundary=" + b"b" * 100_000 + b"\r\n",
                            b"--" + b"b" * 100_000 + b"\r\n\r\nx\r\n"),
    "bad-charsets": single(
        b"Content-Type: text/html; charset=\"x-\x00unknown\xff\"\r\n"
        b"Subject: =?utf-7?B?K2FH?= =?bogus?Q?=FF=00?= =?utf-8?B?////?=\r\n",
        b"<p>\xff\xfe\x00caf\xe9</p>"),
    "utf-7-and-utf-16": many_parts(
        2, b"Content-Type: text/plain; charset=utf-16\r\n\r\n\xff\xfe\x00"),
    "bad-base64": single(b"Content-Type: text/plain; charset=utf-8\r\n"
                         b"Content-Transfer-Encoding: base64\r\n",
                         b"!!!aGVsbG8\x00gd29y===\r\n=\r\n"),
    "bad-quoted-printable": single(b"Content-Type: text/html\r\n"
                                   b"Content-Transfer-Encoding: quoted-printable\r\n",
                                   b"=ZZ=\r\n=0=\x00=FF" + b"=" * 10_000 + b"\r\n"),
    "unknown-encoding": single(b"Content-Transfer-Encoding: x-uuencode\xff\r\n",
                               b"begin 644 x\r\n!!!!\r\nend\r\n"),
    "huge-header-line": single(b"X-Long: " + b"a" * 1_000_000 + b"\r\n", b"body\r\n"),
    "huge-folded-header": single(b"Subject: " + b"word\r\n " * 100_000 + b"\r\n", b"body\r\n"),
    "10000-headers": single(b"X-H: v\r\n" * 10_000 + b"Received: from x\r\n" * 50, b"b\r\n"),
    "huge-address-list": single(b"To: " + b"a@b.example, " * 20_000 + b"\r\nCc: \"\\\"<>,;\r\n",
                                b"b\r\n"),
    "nul-bytes-everywhere": b"\x00From: \x00<bob@\x00remote.test>\r\nSubject\x00: x\r\n"
                            b"Content-Type: text/html\x00; charset=\x00\r\n\r\n<p>\x00</p>\x00",
    "bare-cr-and-lf": b"From: <bob@remote.test>\rSubject: x\nContent-Type: multipart/mixed;"
                      b" boundary=c\r\r\n--c\rContent-Type: text/html\n\n<p>x\r--c--\n",
    "bad-dates-and-ids": single(b"Date: Mon, 1 Jan 99999999999 25:61:61 +9999\r\n"
                                b"Message-ID: <<<>>>\r\nReferences: <" + b"<" * 5000 + b"\r\n",
                                b"b\r\n"),
    "bad-rfc2231": single(
        b"Content-Type: text/plain; name*0*=utf-8''%E2; name*1*=%82; name*99=x; "
        b"name*=bogus'xx'%ZZ; charset*=''\r\nContent-Disposition: inline; filename*0=a\r\n",
        b"b\r\n"),
    "message-rfc822-loop": single(b"Content-Type: message/rfc822\r\n",
                                  b"Content-Type: message/rfc822\r\n\r\n" * 300),
    "html-bomb": single(b"Content-Type: text/html\r\n",
                        b"<div>" * 2000 + b"<img src=cid:x style='background:url(x)'>"
                        + b"<a href='javascript:alert(1)'>" * 100),
    "no-header": b"\r\n\r\njust a body\r\n",
    "empty": b"",
    "only-garbage": bytes(range(256)) * 100,
}


@pytest.mark.parametrize("raw", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_message_is_parsed_and_rendered(raw):
    read_everywhere(raw)


def test_rendered_html_of_a_hostile_message_keeps_no_active_content():
    shown = render.render(HOSTILE["html-bomb"], part_url)
    assert "javascript:" not in shown.html
    assert "url(" not in shown.html


# Messages built at random: a MIME tree of random types, charsets, encodings and bodies.

CONTENT_TYPES = ["text/plain", "text/html", "multipart/mixed", "multipart/alternative",
                 "multipart/related", "message/rfc822", "application/octet-stream",
                 "image/png", "text/x-\x00bogus", "multipart/", "/", ""]
CHARSETS = ["utf-8", "us-ascii", "iso-8859-1", "utf-16", "utf-7", "gb2312", "x-unknown", "",
            "utf-8\x00", "\"unterminated"]
ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "binary", "x-bogus", ""]
header_text = st.text(max_size=80).map(lambda t: t.encode("utf-8", "surrogatepass"))
raw_bytes = st.binary(max_size=300)


@st.composite
def parts(draw, depth=0) -> bytes:
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    boundary = draw(st.sampled_from(["b", "", "b b", "--", "\x00", "=_x" * 30]))
    headers = [b"Content-Type: %s; charset=%s; boundary=\"%s\"" % (
        content_type.encode(), draw(st.sampled_from(CHARSETS)).encode(), boundary.encode())]
    headers.append(b"Content-Transfer-Encoding: " + draw(st.sampled_from(ENCODINGS)).encode())
    for name in draw(st.lists(st.sampled_from(
            [b"Subject", b"From", b"To", b"Date", b"Content-Disposition", b"Content-ID",
             b"Message-ID", b"X-Junk"]), max_size=4)):
        headers.append(name + b": " + draw(header_text | raw_bytes).replace(b"\n", b" "))
    if content_type.startswith("multipart") and depth < 4:
        children = draw(st.lists(parts(depth + 1), max_size=4))
        delimiter = b"--" + boundary.encode()
        body = b"".join(delimiter + b"\r\n" + child + b"\r\n" for child in children)
        body += draw(st.sampled_from([delimiter + b"--\r\n", b"", delimiter]))
    else:
        body = draw(raw_bytes | header_text)
    return b"\r\n".join(headers) + draw(st.sampled_from([b"\r\n\r\n", b"\n\n", b"\r\n"])) + body


MESSAGES = st.builds(lambda part: HEAD + part, parts())
FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(raw=MESSAGES)
def test_a_random_mime_tree_is_parsed_and_rendered(raw):
    read_everywhere(raw)


@FUZZ
@given(raw=MESSAGES, cut=st.integers(0, 2000), junk=st.binary(min_size=1, max_size=20))
def test_a_random_mime_tree_cut_or_spliced_anywhere_is_parsed_and_rendered(raw, cut, junk):
    cut = min(cut, len(raw))
    read_everywhere(raw[:cut])
    read_everywhere(raw[:cut] + junk + raw[cut:])


# The SMTP path: the server delivers hostile messages and logs no internal error.

THROUGH_SMTP = ["bad-charsets", "bad-base64", "bad-quoted-printable", "huge-folded-header",
                "10000-headers", "nul-bytes-everywhere", "bare-cr-and-lf", "bad-rfc2231",
                "message-rfc822-loop", "html-bomb", "2000-attachments", "nested-3000"]


def unexpected_errors(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records
            if record.levelno >= logging.ERROR and record.name.startswith("mailcore")]


@pytest.fixture
def mx(start_smtp, jane):  # noqa: F811
    return start_smtp()


def smtp_safe(raw: bytes) -> bytes:
    """What a client can send: CRLF lines no longer than SMTP allows."""
    lines = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    return b"".join(line[i:i + 900] + b"\r\n" for line in lines
                    for i in range(0, max(len(line), 1), 900))


@pytest.mark.parametrize("name", THROUGH_SMTP)
def test_a_hostile_message_is_delivered_through_smtp(mx, caplog, name):
    assert send(mx, smtp_safe(HOSTILE[name]))[-1] == DELIVERED
    [stored] = inbox("jane@example.com")
    assert b"\nX-Spam-Status: " in stored
    read_everywhere(stored)
    assert unexpected_errors(caplog) == []


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=MESSAGES)
def test_a_random_mime_tree_is_delivered_through_smtp(mx, caplog, raw):
    assert send(mx, smtp_safe(raw))[-1] == DELIVERED
    assert unexpected_errors(caplog) == []


def test_a_malformed_rfc2231_parameter_does_not_make_the_spam_parser_fall_back():
    # The standard library raised TypeError reading it, so the whole message was scored
    # as raw text ("ParseFailed:TypeError") instead of by its parts.
    parsed = parse(HOSTILE["bad-rfc2231"])
    assert not [defect for defect in parsed.defects if defect.startswith("ParseFailed")]


def test_an_8bit_content_disposition_does_not_make_the_spam_parser_fall_back():
    # The parser called .lower() on the Header object such a value comes as (AttributeError).
    parsed = parse(single(b"Content-Type: text/plain\r\nContent-Disposition: \xc2\x80\r\n",
                          b"hello\r\n"))
    assert not [defect for defect in parsed.defects if defect.startswith("ParseFailed")]
    assert "hello" in parsed.text


def test_a_multipart_without_parts_is_rendered():
    # get_body() raised AttributeError on it (a server error page in the web mail).
    raw = (b"From:\x00 <bob@remote.test>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
           b"--b\r\nContent-Type: multipart/related; boundary=\"b\"\r\n\r\n\r\n--b--\r\n")
    read_everywhere(raw)


def test_parts_nested_deeper_than_the_stack_are_shown_as_source_text():
    # The web mail raised RecursionError (a server error page) on 3,000 nested multiparts.
    shown = render.render(HOSTILE["nested-3000"], part_url)
    assert "bottom" in shown.text and shown.attachments == []
    assert "bottom" in render.plain_text(HOSTILE["nested-3000"])
    assert render.part_data(HOSTILE["nested-3000"], 0) is None
