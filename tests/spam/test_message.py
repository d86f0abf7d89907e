"""The message parser takes any bytes, never raises, and stays bounded on hostile input."""

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcore.filters.spam.message import MAX_BYTES, ParsedMessage, parse

PERSONAL = (
    b"Return-Path: <bob@remote.test>\r\n"
    b"From: Bob Example <Bob@Remote.TEST>\r\n"
    b"To: jane@example.com\r\n"
    b"Subject: =?utf-8?q?Caf=C3=A9_tomorrow?=\r\n"
    b"Date: Tue, 03 Sep 2024 10:00:00 +0200\r\n"
    b"Message-ID: <1@remote.test>\r\n"
    b"\r\n"
    b"Hi Jane,\r\nsee http://www.remote.test/menu.html for the menu.\r\n"
)


def multipart(*parts: bytes, boundary: bytes = b"b0") -> bytes:
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    return (b"From: a@remote.test\r\nContent-Type: multipart/mixed; boundary=" + boundary
            + b"\r\n\r\n" + body + b"--" + boundary + b"--\r\n")


def test_it_reads_headers_addresses_text_and_urls():
    parsed = parse(PERSONAL)
    assert parsed.subject == "Café tomorrow"
    assert parsed.from_address == "bob@remote.test"
    assert parsed.from_display == "Bob Example"
    assert parsed.header("TO") == "jane@example.com"
    assert parsed.header("x-missing") == ""
    assert parsed.header_all("message-id") == ["<1@remote.test>"]
    assert "see http://www.remote.test/menu.html" in parsed.text
    assert parsed.urls == ["http://www.remote.test/menu.html"]
    assert parsed.has_plain and not parsed.has_html
    assert parsed.size == len(PERSONAL)
    assert PERSONAL[parsed.body_start:].startswith(b"Hi Jane")


def test_it_decodes_base64_html_to_visible_text_and_links():
    markup = (b"<html><style>p {color: red}</style><script>var x = 'hidden';</script>"
              b"<p>Caf\xc3\xa9 &amp; more</p><a href=\"http://1.2.3.4/x\">www.bank.test</a>")
    raw = multipart(b"Content-Type: text/html; charset=utf-8\r\n"
                    b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(markup))
    parsed = parse(raw)
    assert parsed.has_html and not parsed.has_plain
    assert "Café & more" in parsed.text
    assert "hidden" not in parsed.text and "color" not in parsed.text
    assert parsed.links == [("http://1.2.3.4/x", "www.bank.test")]
    assert "http://1.2.3.4/x" in parsed.urls
    assert parsed.content_types == ["multipart/mixed", "text/html"]


def test_it_keeps_attachments_out_of_the_text():
    raw = multipart(b"Content-Type: text/plain\r\n\r\nSee attached.",
                    b"Content-Type: application/pdf; name=a.pdf\r\n"
                    b"Content-Disposition: attachment; filename=a.pdf\r\n\r\nJVBERi0=")
    parsed = parse(raw)
    assert parsed.attachments == [("a.pdf", "application/pdf")]
    assert parsed.text.strip() == "See attached."


def test_unknown_charsets_bad_base64_and_nul_bytes_are_reported_not_raised():
    raw = (b"Subject: \xff\xfe broken\r\nContent-Type: text/plain; charset=x-no-such\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n!!!aGVsbG8\x00gd29y===\r\n")
    parsed = parse(raw)
    assert isinstance(parsed, ParsedMessage)
    assert "broken" in parsed.subject
    assert "CharsetMismatch" in parsed.defects
    assert "InvalidBase64CharactersDefect" in parsed.defects


def test_ten_thousand_parts_are_capped():
    raw = multipart(*[b"Content-Type: text/plain\r\n\r\npart %d" % i for i in range(10_000)])
    parsed = parse(raw, max_parts=1000)
    assert parsed.part_count == 1001
    assert "TooManyParts" in parsed.defects
    assert "part 998" in parsed.text and "part 5000" not in parsed.text


def test_a_50_mb_message_is_cut_to_the_parse_limit():
    raw = b"Subject: big\r\n\r\n" + b"A" * 50_000_000
    parsed = parse(raw, max_text=1000)
    assert parsed.size == len(raw) > MAX_BYTES
    assert "MessageTruncated" in parsed.defects
    assert parsed.subject == "big"
    assert len(parsed.text) == 1000


def test_deeply_nested_multiparts_do_not_crash():
    raw = b"".join(b"Content-Type: multipart/mixed; boundary=n%d\r\n\r\n--n%d\r\n" % (i, i)
                   for i in range(3000)) + b"Content-Type: text/plain\r\n\r\ndeep\r\n"
    parsed = parse(raw)
    assert parsed.part_count >= 1
    assert any(d in ("TooDeeplyNested", "ParseFailed:RecursionError") for d in parsed.defects)


def test_unterminated_scripts_and_tags_stay_linear():
    raw = b"Content-Type: text/html\r\n\r\n" + b"<a href=<script>" * 50_000
    parsed = parse(raw)
    assert parsed.has_html
    assert len(parsed.html) <= 200_000


def test_no_headers_and_empty_input():
    assert parse(b"").text == ""
    assert parse(b"just text, no header\n").headers == []


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_parsed_message(raw):
    parsed = parse(raw)
    assert parsed.size == len(raw)
    assert 0 <= parsed.body_start <= len(raw)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([b"--b\r\n", b"Content-Type: multipart/mixed; boundary=b\r\n",
                                 b"\r\n", b"Content-Transfer-Encoding: base64\r\n", b"=?x?q?",
                                 b"<html>", b"\x00", b"charset=utf-7\r\n", b"text\r\n"]),
                max_size=200))
def test_mime_shaped_garbage_gives_a_parsed_message(pieces):
    raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + b"".join(pieces)
    assert parse(raw).part_count >= 1


def test_an_inline_html_part_with_a_file_name_is_read_as_text():
    raw = (b"From: a@remote.test\r\nContent-Type: text/html; charset=us-ascii\r\n"
           b"Content-Disposition: inline; filename=\"filename.html\"\r\n\r\n"
           b"<html><body><p>Easy money from home</p></body></html>\r\n")
    parsed = parse(raw)
    assert "Easy money from home" in parsed.text
    assert parsed.has_html and parsed.attachments == []


def test_html_sent_as_text_plain_is_shown_as_html_and_noted():
    raw = (b"From: a@remote.test\r\nContent-Type: text/plain\r\n\r\n"
           b"<HTML><BODY><p>Cheap <b>pills</b></p><a href=\"http://x.test/\">here</a>"
           b"</BODY></HTML>\r\n")
    parsed = parse(raw)
    assert "Cheap pills" in " ".join(parsed.text.split())
    assert "<b>" not in parsed.text
    assert parsed.links == [("http://x.test/", "here")]
    assert "HtmlAsPlain" in parsed.defects
    plain = parse(b"From: a@remote.test\r\n\r\nIn HTML, <b> makes bold.\r\n")
    assert "<b>" in plain.text and "HtmlAsPlain" not in plain.defects


def test_eight_bit_text_without_a_charset_is_noted_once():
    parsed = parse(b"From: a@remote.test\r\nContent-Type: text/plain\r\n\r\nGr\xfc\xdfe\r\n")
    assert "Grüße" in parsed.text
    assert "EightBitNoCharset" in parsed.defects and "CharsetMismatch" not in parsed.defects
    declared = parse(b"From: a@remote.test\r\nContent-Type: text/plain; charset=latin-1\r\n"
                     b"\r\nGr\xfc\xdfe\r\n")
    assert "EightBitNoCharset" not in declared.defects
